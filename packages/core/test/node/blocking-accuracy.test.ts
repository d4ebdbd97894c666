// The accuracy targets of noEventLoopBlocking, run in a child process (fixtures/
// blocking-accuracy.mjs) so the test runner's own work never shares the measured loop.
// Durations are compared with what the blocking code measured on its own thread's clock.
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { describe, expect, test } from 'vitest'
import { fixture } from './helpers.js'

const run = promisify(execFile)

interface CaseResult {
  actual: number[]
  blocks: {
    duration: number
    functions: string[]
    source?: { url: string; line: number; functionName: string }
    note?: string
  }[]
}

async function runCase(name: string): Promise<CaseResult> {
  const { stdout } = await run(process.execPath, [fixture('blocking-accuracy.mjs'), name], {
    timeout: 60_000,
  })
  return (JSON.parse(stdout) as Record<string, CaseResult>)[name] as CaseResult
}

function lineOf(marker: string): number {
  const lines = readFileSync(fixture('blocking-accuracy.mjs'), 'utf8').split('\n')
  return lines.findIndex((line) => line.includes(`// line:${marker}`)) + 1
}

function within(measured: number, actual: number, ratio: number): void {
  expect(
    Math.abs(measured - actual),
    `${measured} ms measured for ${actual} ms`,
  ).toBeLessThanOrEqual(actual * ratio)
}

describe(
  'noEventLoopBlocking accuracy (Node.js, child process)',
  { retry: 2, timeout: 60_000 },
  () => {
    test('a 400 ms block is reported once, within 10%, with its function', async () => {
      const { actual, blocks } = await runCase('once400')
      expect(blocks).toHaveLength(1)
      within(blocks[0]!.duration, actual[0]!, 0.1)
      expect(blocks[0]!.functions).toContain('blockFourHundred')
      expect(blocks[0]!.note).toBeUndefined()
    })

    test('a block in the first line of a run() body has its stack and line (armed first)', async () => {
      const { blocks } = await runCase('once400')
      expect(blocks[0]!.functions.slice(0, 2)).toEqual(['busyWait', 'blockFourHundred'])
      expect(blocks[0]!.source).toMatchObject({ functionName: 'busyWait', line: lineOf('spin') })
      expect(blocks[0]!.source?.url).toMatch(/blocking-accuracy\.mjs$/)
    })

    test('a 1000 ms block is reported once, within 5%', async () => {
      const { actual, blocks } = await runCase('once1000')
      expect(blocks).toHaveLength(1)
      within(blocks[0]!.duration, actual[0]!, 0.05)
      expect(blocks[0]!.functions).toContain('blockOneSecond')
    })

    test('three 250 ms blocks separated by setImmediate awaits are three blocks', async () => {
      const { actual, blocks } = await runCase('three250')
      expect(blocks).toHaveLength(3)
      blocks.forEach((block, index) => {
        within(block.duration, actual[index]!, 0.1)
        expect(block.functions).toContain('blockQuarter')
      })
    })

    test('15,000 steps of 0.05 ms in setImmediate callbacks are not a block', async () => {
      expect((await runCase('manyShort')).blocks).toEqual([])
    })

    test('40 ms stretches under a 100 ms threshold are not reported', async () => {
      expect((await runCase('underThreshold')).blocks).toEqual([])
    })

    test('a block that lasts up to the scope end is measured to the end', async () => {
      const { actual, blocks } = await runCase('atEnd')
      expect(blocks).toHaveLength(1)
      within(blocks[0]!.duration, actual[0]!, 0.1)
      expect(blocks[0]!.functions).toContain('blockFourHundred')
    })

    test('native blocking (execSync) is measured; its late stack is labelled', async () => {
      const { actual, blocks } = await runCase('native')
      expect(blocks).toHaveLength(1)
      within(blocks[0]!.duration, actual[0]!, 0.1)
      expect(blocks[0]!.note).toMatch(/native code/)
      expect(blocks[0]!.functions).toContain('native')
    })
  },
)
