// pytester-style tests: each run starts the real Vitest CLI on a small fixture project and
// asserts on its exit code, its output and the per-test results the fixture's reporter writes.
import { execFile } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { FixtureResult } from './fixtures/results-reporter.ts'

const vitestBin = fileURLToPath(new URL('../../../node_modules/vitest/vitest.mjs', import.meta.url))
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url))
const temp = mkdtempSync(join(tmpdir(), 'leakscope-vitest-'))
afterAll(() => rmSync(temp, { recursive: true, force: true }))

interface Run {
  code: number | null
  output: string
  results: FixtureResult[]
  byName(name: string): FixtureResult
}

let runCount = 0

/** Runs `vitest run` on a fixture project, with no colours and a clean Vitest environment. */
function runVitest(project: string, args: string[] = []): Promise<Run> {
  const resultsFile = join(temp, `results-${++runCount}.json`)
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('VITEST') && !key.startsWith('TINYPOOL') && key !== 'NODE_OPTIONS')
      env[key] = value
  }
  Object.assign(env, { LEAKSCOPE_RESULTS: resultsFile, NO_COLOR: '1', FORCE_COLOR: '0', CI: '1' })
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [vitestBin, 'run', '--root', join(fixtures, project), ...args],
      { env, maxBuffer: 16 * 1024 * 1024, timeout: 120_000 },
      (error, stdout, stderr) => {
        let results: FixtureResult[] = []
        try {
          results = JSON.parse(readFileSync(resultsFile, 'utf8')) as FixtureResult[]
        } catch {
          // No results: the run failed before any test (asserted by the caller).
        }
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null
        resolve({
          code,
          output: stdout + stderr,
          results,
          byName(name) {
            const found = results.find((result) => result.name === name)
            if (found === undefined)
              throw new Error(`no test named "${name}" in:\n${stdout}${stderr}`)
            return found
          },
        })
      },
    )
  })
}

function leakArtifact(result: FixtureResult): { summary: string[]; tasks: { name: string }[] } {
  const artifact = result.artifacts.find((a) => a.type === 'leakscope:report')
  expect(artifact, `${result.name} has a leakscope:report artifact`).toBeDefined()
  return artifact!.report as { summary: string[]; tasks: { name: string }[] }
}

describe('Node mode, action: throw', () => {
  let run: Run
  beforeAll(async () => {
    run = await runVitest('node')
  })

  test('the run fails because tests leaked', () => {
    expect(run.code, run.output).toBe(1)
  })

  test('a leaking test fails with a grouped message and a code frame at the leaking line', () => {
    const result = run.byName('leaks an interval')
    expect(result.state).toBe('failed')
    expect(result.errors).toHaveLength(1)
    expect(result.errors[0]).toMatch(
      /^LeakscopeError: leakscope: 1 leaked task\n\nDetected 1 leaked task/,
    )
    expect(result.errors[0]).toContain('Leaked task: interval "poll"')
    expect(result.errors[0]).toMatch(/basic\.test\.ts:12:3 \(startPolling\)/)
    // Vitest's code frame points at the setInterval line.
    expect(run.output).toMatch(/❯ startPolling tests\/basic\.test\.ts:12:3/)
    expect(run.output).toContain('12|   setInterval(function poll() {}, 1000)')
    // Runner frames are trimmed from the report.
    expect(result.errors[0]).not.toContain('@vitest/runner')
  })

  test('clean tests pass; a beforeAll server is not blamed; afterEach cleanup counts', () => {
    expect(run.byName('clean').state).toBe('passed')
    expect(run.byName('cleaned by afterEach').state).toBe('passed')
  })

  test('test.extend fixtures (test- and file-scoped) are not blamed', () => {
    expect(run.byName('uses a test-scoped server fixture').state).toBe('passed')
    expect(run.byName('uses a file-scoped server fixture').state).toBe('passed')
    expect(run.byName('uses it again').state).toBe('passed')
  })

  test('test.concurrent: the leaky test fails, the clean one beside it passes', () => {
    expect(run.byName('side by side > leaky').state).toBe('failed')
    expect(run.byName('side by side > leaky').errors[0]).toContain('"leakyConcurrent"')
    expect(run.byName('side by side > clean beside it').state).toBe('passed')
  })

  test('vi.useFakeTimers(): fake timers are not leaks, real handles still are', () => {
    expect(run.byName('fake interval is not real pending work').state).toBe('passed')
    const real = run.byName('real server leaks under fake timers')
    expect(real.state).toBe('failed')
    expect(real.errors[0]).toContain('Leaked task: server')
  })

  test('a test that already failed keeps its own failure first, the leak report added', () => {
    const result = run.byName('fails and leaks')
    expect(result.state).toBe('failed')
    expect(result.errors).toHaveLength(2)
    expect(result.errors[0]).toMatch(/^AssertionError: expected 2 to be 3/)
    expect(result.errors[1]).toContain('Leaked task: interval "alsoLeaked"')
  })

  test('worker leaks are reported, terminated workers are not', () => {
    const result = run.byName('leaks a worker')
    expect(result.state).toBe('failed')
    expect(result.errors[0]).toMatch(
      /leakscope: 1 leaked worker[\s\S]*Leaked worker: worker "spinner"/,
    )
    expect(run.byName('terminates its worker').state).toBe('passed')
  })

  test('event-loop blocking, enabled through meta', () => {
    const result = run.byName('blocks the event loop')
    expect(result.state).toBe('failed')
    expect(result.errors[0]).toMatch(/leakscope: event loop blocked \d+ ms \(threshold 150 ms\)/)
    expect(result.errors[0]).toMatch(/blocking\.test\.ts:5:\d+ \(crunch\)/)
    expect(run.byName('does not block').state).toBe('passed')
  })

  test('the matcher: toLeak / not.toLeak', () => {
    expect(run.byName('matcher: clean body').state).toBe('passed')
    expect(run.byName('matcher: leaky body is caught and stopped').state).toBe('passed')
    const failing = run.byName('matcher: not.toLeak fails with the report')
    expect(failing.state).toBe('failed')
    expect(failing.errors).toHaveLength(1)
    expect(failing.errors[0]).toMatch(
      /expected the function not to leak, but it did:[\s\S]*"notToLeak"/,
    )
  })

  test('a JSON report is recorded with each leaking test', () => {
    const report = leakArtifact(run.byName('leaks an interval'))
    expect(report).toMatchObject({
      version: 1,
      test: 'leaks an interval',
      file: 'tests/basic.test.ts',
      action: 'throw',
      summary: ['1 leaked task'],
      tasks: [{ kind: 'interval', name: 'poll', state: 'repeating' }],
    })
    expect(run.byName('clean').artifacts).toEqual([])
  })

  test('the end-of-run summary lists the tests that leaked', () => {
    expect(run.output).toMatch(/leakscope summary\n {2}\d+ tests leaked:/)
    expect(run.output).toContain('tests/basic.test.ts > leaks an interval: 1 leaked task (failed)')
  })
})

describe('per-test meta', () => {
  let run: Run
  beforeAll(async () => {
    run = await runVitest('node', ['--config', 'vitest.meta.config.ts'])
  })

  test('opt-out with a reason, listed in the summary', () => {
    expect(run.byName('opted out').state).toBe('passed')
    expect(run.output).toMatch(
      /1 opted out:\n\s+meta\/meta\.test\.ts > opted out: legacy poller, tracked in #12/,
    )
  })

  test('a detector switched off in meta', () => {
    expect(run.byName('tasks switched off').state).toBe('passed')
  })

  test('precedence is field by field: meta > plugin options > defaults', () => {
    // meta sets grace only; the plugin's nameFilter /^watched/ still applies.
    const kept = run.byName('meta keeps the plugin nameFilter')
    expect(kept.state).toBe('failed')
    expect(leakArtifact(kept).tasks.map((t) => t.name)).toEqual(['watchedTimer'])
    // meta replaces nameFilter.
    const replaced = run.byName('meta overrides the plugin nameFilter')
    expect(leakArtifact(replaced).tasks.map((t) => t.name)).toEqual(['other'])
    // meta action beats the plugin default 'throw'.
    const warned = run.byName('meta action warn')
    expect(warned.state).toBe('passed')
    expect(leakArtifact(warned).tasks.map((t) => t.name)).toEqual(['watchedWarned'])
    // 'cancel' reports like 'warn', then stops what leaked.
    const cancelled = run.byName('meta action cancel')
    expect(cancelled.state).toBe('passed')
    expect(leakArtifact(cancelled)).toMatchObject({ action: 'cancel', summary: ['1 leaked task'] })
    expect(run.output).toContain('(cancelled by leakscope)')
  })

  test('invalid meta fails that test with an error naming the test and the field', () => {
    expect(run.byName('bad meta value').errors).toEqual([
      'TypeError: @leakscope/vitest: invalid "tasks" in meta.leakscope of test "bad meta value": noTaskLeaks: invalid option "grace": -5 (expected a finite number of milliseconds >= 0)',
    ])
    expect(run.byName('bad meta key').errors[0]).toContain(
      'invalid "task" in meta.leakscope of test "bad meta key": true (expected one of the known options: tasks, workers, blocking, action, skip)',
    )
  })
})

describe('plugin options', () => {
  test("action: 'warn' reports without failing, with a summary at the end", async () => {
    const run = await runVitest('node', ['--config', 'vitest.warn.config.ts'])
    expect(run.code, run.output).toBe(0)
    expect(run.byName('leaks an interval').state).toBe('passed')
    expect(leakArtifact(run.byName('leaks an interval')).summary).toEqual(['1 leaked task'])
    expect(run.output).toContain('Leaked task: interval "poll"')
    expect(run.output).toContain('tests/basic.test.ts > leaks an interval: 1 leaked task (warn)')
  })

  test('an invalid plugin option stops the run with an error naming the plugin options', async () => {
    const run = await runVitest('node', ['--config', 'vitest.bad.config.ts'])
    expect(run.code).not.toBe(0)
    expect(run.output).toContain(
      '@leakscope/vitest: invalid "tasks" in leakscope() plugin options: noTaskLeaks: invalid option "grace": -1',
    )
  })
})

describe('other pools', () => {
  test('pool: threads (tests in worker threads) behaves the same', async () => {
    const run = await runVitest('node', ['--pool=threads', 'tests/basic', 'tests/concurrent'])
    expect(run.code, run.output).toBe(1)
    expect(run.byName('leaks an interval').errors[0]).toContain('Leaked task: interval "poll"')
    expect(run.byName('cleaned by afterEach').state).toBe('passed')
    expect(run.byName('side by side > leaky').state).toBe('failed')
    expect(run.byName('side by side > clean beside it').state).toBe('passed')
  })
})

describe('browser mode (Chromium)', () => {
  let run: Run
  beforeAll(async () => {
    run = await runVitest('browser')
  })

  test('a leaking test fails with the report and a code frame', () => {
    expect(run.code, run.output).toBe(1)
    const result = run.byName('leaks an interval in the browser')
    expect(result.state).toBe('failed')
    expect(result.errors[0]).toMatch(/leakscope: 1 leaked task[\s\S]*Leaked task: interval "poll"/)
    expect(run.output).toMatch(/❯ startPolling tests\/browser\.test\.ts:10:\d+/)
  })

  test('clean, beforeAll-owned and afterEach-cleaned tests pass', () => {
    expect(run.byName('clean in the browser').state).toBe('passed')
    expect(run.byName('cleaned by afterEach in the browser').state).toBe('passed')
  })

  test('warn through meta, the matcher, the artifact and the summary', () => {
    const warned = run.byName('warn mode in the browser')
    expect(warned.state).toBe('passed')
    expect(leakArtifact(warned).tasks.map((t) => t.name)).toEqual(['warnedInBrowser'])
    expect(run.byName('matcher in the browser').state).toBe('passed')
    expect(run.output).toContain(
      'tests/browser.test.ts > leaks an interval in the browser: 1 leaked task (failed)',
    )
  })
})

describe('browser mode, default kinds', () => {
  test("clean tests end without waiting out the grace for the runner's own listeners", async () => {
    // Vitest adds an 'abort' listener to every test's signal and never removes it; with
    // `grace: 3000`, a plugin that filtered it only after the grace made each test take 3 s.
    const run = await runVitest('browser', ['--config', 'vitest.grace.config.ts'])
    expect(run.code, run.output).toBe(0)
    expect(run.results).toHaveLength(4)
    for (const result of run.results) {
      expect(result.state, result.name).toBe('passed')
      expect(result.duration, result.name).toBeLessThan(1000)
    }
  })
})

describe('browser mode, leakscope pre-bundled by Vite (the plugin asks for it)', () => {
  test("leakscope's own frames stay out of creation stacks; one instance", async () => {
    // Vite's optimizer rewrites `new URL('../', import.meta.url)` in a bundled dependency to
    // point back at the package's files, while the code runs from the bundle: leakscope then took
    // its own wrapper's frames for the user's.
    const cache = join(fixtures, 'browser/node_modules/.vite')
    rmSync(cache, { recursive: true, force: true })
    const run = await runVitest('browser', ['--config', 'vitest.prebundled.config.ts'])
    expect(run.code, run.output).toBe(0)
    const bundled = readdirSync(join(cache, 'vitest'), { recursive: true }).map(String)
    expect(bundled).toContainEqual(
      expect.stringMatching(/deps\/@leakscope_vitest_n_leakscope\.js$/),
    )
    const result = run.byName('an interval started in a timeout callback')
    const report = leakArtifact(result) as unknown as {
      tasks: { name: string; creationStack?: { functionName: string; url: string }[] }[]
    }
    expect(report.tasks.map((t) => t.name)).toEqual(['inner'])
    const frames = report.tasks[0]?.creationStack ?? []
    expect(frames[0]?.functionName).toBe('outer')
    for (const frame of frames) expect(frame.url).toMatch(/\/prebundled\/nested\.test\.ts/)
    expect(run.byName('a test importing leakscope shares the plugin’s instance').state).toBe(
      'passed',
    )
  })
})
