import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, test } from 'vitest'
import type { LeakedTaskData } from 'leakscope'
import { fixture } from './helpers.js'

const run = promisify(execFile)

function lineOf(file: string, marker: string): number {
  const index = readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((line) => line.includes(marker.startsWith('line:') ? `// ${marker}` : marker))
  if (index === -1) throw new Error(`marker ${marker} not in ${file}`)
  return index + 1
}

// Native `await using` needs Node 24. Under Node 20 the suite uses the Node 24 binary that
// `npm run test:node24` installs; it must exist (npm test installs it before this runs).
function node24(): string {
  if (Number(process.versions.node.split('.')[0]) >= 24) return process.execPath
  const binary = fileURLToPath(
    new URL('../../../../.ci/node24/node_modules/.bin/node', import.meta.url),
  )
  if (!existsSync(binary))
    throw new Error(
      `Node 24 is needed for native \`await using\`: run \`npm ci --prefix .ci/node24\` (missing ${binary})`,
    )
  return binary
}

test('creation stacks start at the exact line that created each item', async () => {
  const file = fixture('exact-lines.mjs')
  const { stdout } = await run(process.execPath, [file])
  const leaks = JSON.parse(stdout) as LeakedTaskData[]
  const byKind = Object.fromEntries(leaks.map((task) => [task.kind, task.creationStack?.[0]]))
  expect(Object.keys(byKind).sort()).toEqual(['child-process', 'interval', 'server'])
  expect(byKind.interval).toMatchObject({
    url: `file://${file}`,
    line: lineOf(file, 'line:interval'),
    column: 18,
  })
  expect(byKind.server?.line).toBe(lineOf(file, 'line:server'))
  expect(byKind['child-process']?.line).toBe(lineOf(file, 'line:child'))
})

test('100,000 completed timers leave nothing behind, while the scope is open and after', async () => {
  const { stdout } = await run(process.execPath, ['--expose-gc', fixture('memory.mjs')], {
    timeout: 60_000,
  })
  const result = JSON.parse(stdout) as { findings: number; whileOpen: number; afterEnd: number }
  expect(result.findings).toBe(0)
  // Retaining the completed timers would keep ~100 MiB of payload alive.
  expect(result.whileOpen).toBeLessThan(8 * 1024 * 1024)
  expect(result.afterEnd).toBeLessThan(8 * 1024 * 1024)
})

test('native `await using` ends the scope at the block’s end (Node 24)', async () => {
  const file = fixture('await-using.mjs')
  const { stdout } = await run(node24(), [file])
  expect(JSON.parse(stdout)).toEqual({
    leaky: {
      isTaskLeakError: true,
      tasks: [{ kind: 'interval', name: 'poll', line: lineOf(file, 'line:using-interval') }],
    },
    clean: 'no error',
    bodyError: { name: 'SuppressedError', leak: 'TaskLeakError', body: 'body failed' },
  })
})

test('the demo (`npm start`) reports its interval, server and child process with creation lines', async () => {
  const demo = fileURLToPath(new URL('../../examples/node-demo.mjs', import.meta.url))
  const { stdout } = await run(process.execPath, [demo], { timeout: 30_000 })
  expect(stdout).toContain('Detected 3 leaked tasks')
  for (const [kind, marker] of [
    ['interval "refreshCache"', 'setInterval(refreshCache'],
    ['server "server"', 'server.listen('],
    ['child-process "child-process"', 'spawn(process.execPath'],
  ] as const) {
    const section = stdout.split('\n\n').find((part) => part.startsWith(`Leaked task: ${kind}`))
    expect(section, kind).toContain(`node-demo.mjs:${lineOf(demo, marker)}:`)
  }
})

test('an internal fault never breaks the host: its work completes and the fault is reported once', async () => {
  const { stdout } = await run(process.execPath, [fixture('internal-fault.mjs')])
  expect(JSON.parse(stdout)).toEqual({
    results: [[], true, [], true],
    warnings: [{ name: 'LeakscopeWarning', code: 'LEAKSCOPE_INTERNAL' }],
  })
})

test("creationStacks: 'callback' reports where each timer's callback is defined", async () => {
  const file = fixture('callback-stacks.mjs')
  const { stdout } = await run(process.execPath, [file])
  const leaks = JSON.parse(stdout) as LeakedTaskData[]
  expect(leaks.map((task) => [task.kind, task.stackOrigin, task.creationStack?.[0]?.line])).toEqual(
    [
      ['interval', 'callback', lineOf(file, 'line:refresh-definition')],
      ['immediate', 'callback', lineOf(file, 'line:arrow-definition')],
    ],
  )
  expect(leaks[0]?.creationStack?.[0]).toMatchObject({
    functionName: 'refresh',
    url: `file://${file}`,
  })
})
