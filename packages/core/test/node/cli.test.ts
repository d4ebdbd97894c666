import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { fixture } from './helpers.js'
import { expectReportModel } from './model-shape.js'

const cli = fileURLToPath(new URL('../../dist/node/cli/main.js', import.meta.url))

interface Result {
  code: number
  stdout: string
  stderr: string
}

function leakscope(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cli, ...args],
      { env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1
        resolve({ code, stdout, stderr })
      },
    )
  })
}

function lineOf(file: string, marker: string): number {
  return (
    readFileSync(file, 'utf8')
      .split('\n')
      .findIndex((line) => line.includes(`// ${marker}`)) + 1
  )
}

describe('leakscope run', () => {
  test('a clean program: its output, no findings, exit 0', async () => {
    const { code, stdout, stderr } = await leakscope(['run', fixture('cli-clean.mjs')])
    expect(code).toBe(0)
    expect(stdout).toBe('clean done\n')
    expect(stderr).toContain('cli-clean.mjs exited with code 0')
    expect(stderr).toContain(
      'No leaked tasks, no workers left running, no event-loop blocks over 100 ms.',
    )
  })

  test('a program importing leakscope shares the run’s instance: its scopes work, the run reports nothing of theirs', async () => {
    const { code, stdout, stderr } = await leakscope(['run', fixture('cli-imports-leakscope.mjs')])
    expect(code).toBe(0)
    expect(stdout).toBe('scopes already open: true\nown scope found: ownLeak\n')
    expect(stderr).toContain(
      'No leaked tasks, no workers left running, no event-loop blocks over 100 ms.',
    )
  })

  test('a hanging program is stopped at --timeout and what kept it alive is reported with creation lines', async () => {
    const file = fixture('cli-hanging.mjs')
    const { code, stderr } = await leakscope(['run', '--timeout', '500', file])
    expect(code).toBe(0)
    expect(stderr).toContain('was still running at --timeout and was stopped')
    expect(stderr).toContain('Detected 2 leaked tasks')
    expect(stderr).toContain(`Leaked task: interval "heartbeat"`)
    expect(stderr).toContain(`cli-hanging.mjs:${lineOf(file, 'line:interval')}:`)
    expect(stderr).toContain(`cli-hanging.mjs:${lineOf(file, 'line:server')}:`)
    // Nothing a test runner would re-parse as a stack frame (Playwright: `at` optional, a line
    // ending in `:line:column` or `:line:column)`).
    expect(stderr.split('\n').filter((line) => /^\s*at |:\d+:\d+\)?$/.test(line))).toEqual([])
  })

  test('--fail exits 1 on findings; --json prints the report model', async () => {
    const failing = await leakscope([
      'run',
      '--fail',
      '--timeout',
      '500',
      fixture('cli-hanging.mjs'),
    ])
    expect(failing.code).toBe(1)
    const json = await leakscope(['run', '--json', '--timeout=500', fixture('cli-hanging.mjs')])
    const report = JSON.parse(json.stdout) as Record<string, unknown> & {
      tasks: { kind: string; creationStack: unknown[] }[]
    }
    expect(report).toMatchObject({ version: 1, end: 'timeout', workers: [], blocks: [], notes: [] })
    expectReportModel(report)
    expect(report.tasks.map((task) => task.kind).sort()).toEqual(['interval', 'server'])
    expect(report.tasks.every((task) => task.creationStack.length > 0)).toBe(true)
  })

  test('--out writes the JSON report to a file', async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'leakscope-cli-')), 'report.json')
    const { code } = await leakscope(['run', '--out', out, fixture('cli-clean.mjs')])
    expect(code).toBe(0)
    expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({
      end: 'exited',
      exitCode: 0,
      tasks: [],
    })
  })

  test('a blocking program: the block is reported with its duration and the busy line', async () => {
    const file = fixture('cli-blocking.mjs')
    const { code, stderr } = await leakscope(['run', '--json', file]).then((result) => ({
      ...result,
      stderr: result.stdout,
    }))
    expect(code).toBe(0)
    const report = JSON.parse(stderr) as {
      blocks: { duration: number; blockingStack?: { functionName: string; line: number }[] }[]
    }
    expect(report.blocks).toHaveLength(1)
    expectReportModel(report)
    expect(report.blocks[0]?.duration).toBeGreaterThanOrEqual(290)
    expect(report.blocks[0]?.blockingStack?.[0]).toMatchObject({
      functionName: 'crunch',
      line: lineOf(file, 'line:busy'),
    })
    const quiet = await leakscope(['run', '--no-blocking', '--json', file])
    expect((JSON.parse(quiet.stdout) as { blocks: unknown[] }).blocks).toEqual([])
    const high = await leakscope(['run', '--threshold', '1000', '--json', file])
    expect((JSON.parse(high.stdout) as { blocks: unknown[] }).blocks).toEqual([])
  })

  test('the program’s own failure wins over --fail, and the report is still printed', async () => {
    const crash = await leakscope(['run', '--fail', fixture('cli-crashing.mjs')])
    expect(crash.code).toBe(1)
    expect(crash.stderr).toContain('Error: program failed')
    const own = await leakscope(['run', '--fail', fixture('cli-exit-code.mjs')])
    expect(own.code).toBe(3)
    expect(own.stderr).toContain('exited with code 3')
  })

  test('colours follow NO_COLOR and FORCE_COLOR', async () => {
    const plain = await leakscope(['run', fixture('cli-clean.mjs')])
    expect(plain.stderr).not.toContain('\u001b[')
    const forced = await leakscope(['run', fixture('cli-clean.mjs')], {
      NO_COLOR: '',
      FORCE_COLOR: '1',
    })
    expect(forced.stderr).toContain('\u001b[1m')
  })
})

describe('bad input: one clear line, exit code 2, no stack', () => {
  test.each([
    [['run'], 'leakscope: missing the script to run'],
    [['run', 'no-such-file.mjs'], 'leakscope: script not found: no-such-file.mjs'],
    [
      ['run', '--threshold', 'soon', 'x.mjs'],
      "leakscope: --threshold must be a number of milliseconds >= 0, got 'soon'",
    ],
    [['run', '--timeout'], 'leakscope: --timeout needs a number of milliseconds'],
    [['run', '--frobnicate', 'x.mjs'], "leakscope: unknown option '--frobnicate'"],
    [['launch', 'x.mjs'], "leakscope: unknown command 'launch'"],
  ])('%j', async (args, message) => {
    const { code, stdout, stderr } = await leakscope(args)
    expect(code).toBe(2)
    expect(stdout).toBe('')
    expect(stderr.trim().split('\n')).toHaveLength(1)
    expect(stderr).toContain(message)
  })

  test('the `npm start` example: its interval, server, worker and block, each at its line', async () => {
    const example = fileURLToPath(new URL('../../examples/service.mjs', import.meta.url))
    const { code, stdout } = await leakscope(['run', '--json', '--timeout', '2000', example])
    expect(code).toBe(0)
    const report = JSON.parse(stdout) as {
      end: string
      tasks: { kind: string; name: string; creationStack: { line: number }[] }[]
      workers: { kind: string; name: string; creationStack: { line: number }[] }[]
      blocks: { duration: number; blockingStack: { functionName: string; line: number }[] }[]
    }
    expectReportModel(report)
    expect(report.end).toBe('timeout')
    const source = readFileSync(example, 'utf8').split('\n')
    const lineWith = (text: string): number => source.findIndex((l) => l.includes(text)) + 1
    const found = [...report.tasks, ...report.workers].map((item) => [
      item.kind,
      item.name,
      item.creationStack[0]?.line,
    ])
    expect(found.sort()).toEqual(
      [
        ['interval', 'refreshCache', lineWith('// never cleared')],
        ['server', 'server', lineWith('// never closed')],
        ['worker', 'indexer', lineWith('// never terminated')],
      ].sort(),
    )
    // One synchronous stretch from the program's start to the end of startService: Node's own
    // start-up work (Node 24 compiles undici for node:http) and the JSON round trip. Its stack
    // is whatever ran when the watchdog looked, half a threshold in.
    expect(report.blocks.length).toBeGreaterThan(0)
    for (const block of report.blocks) expect(block.duration).toBeGreaterThan(100)
    for (const block of report.blocks) expect(block.blockingStack.length).toBeGreaterThan(0)
  })

  // Timing on a shared machine: like the blocking tests, retried.
  test(
    'a process the machine stopped for 400 ms is not a block; one sleeping in Atomics.wait is',
    { retry: 2 },
    async () => {
      const file = fixture('cli-starved.mjs')
      const stopped = await leakscope(['run', '--json', file])
      expect(stopped.code).toBe(0)
      const clean = JSON.parse(stopped.stdout) as { tasks: unknown[]; blocks: unknown[] }
      expect(clean.tasks).toEqual([])
      expect(clean.blocks).toEqual([])

      const sleeping = await leakscope(['run', '--json', file], { STARVED_SLEEP: '1' })
      const report = JSON.parse(sleeping.stdout) as {
        blocks: { duration: number; blockingStack: { line: number }[] }[]
      }
      expectReportModel(report)
      const sleep = report.blocks.find(
        (block) => block.blockingStack[0]?.line === lineOf(file, 'line:sleep'),
      )
      expect(sleep?.duration).toBeGreaterThanOrEqual(390)
    },
  )

  // The suite runs on Node 20 (no type stripping: a clear usage error) and Node 24 (runs it).
  test('a TypeScript program runs where Node strips types, else one clear line and exit 2', async () => {
    const script = fixture('cli-typescript.ts')
    const result = await leakscope(['run', '--json', '--timeout', '500', script])
    const [major = 0, minor = 0] = process.versions.node.split('.').map(Number)
    if (major > 22 || (major === 22 && minor >= 6)) {
      expect(result.code).toBe(0)
      const report = JSON.parse(result.stdout) as {
        tasks: { kind: string; name: string; creationStack: { url: string; line: number }[] }[]
      }
      expect(report.tasks.map((task) => [task.kind, task.name])).toEqual([['interval', 'refresh']])
      expect(report.tasks[0]?.creationStack[0]).toMatchObject({
        url: expect.stringMatching(/cli-typescript\.ts$/),
        line: lineOf(script, 'line:ts-interval'),
      })
    } else {
      expect(result.code).toBe(2)
      expect(result.stdout).toBe('')
      expect(result.stderr.trim().split('\n')).toEqual([
        expect.stringMatching(/is TypeScript, which Node\.js 20\.\S+ cannot run .*>= 22\.6/),
      ])
    }
  })

  test('--help and --version', async () => {
    const help = await leakscope(['--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('Usage: leakscope run [options] <script> [args...]')
    const version = await leakscope(['--version'])
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/)
  })
})
