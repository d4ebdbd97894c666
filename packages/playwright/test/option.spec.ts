// The `leakscope` option fails tests: its tests (nested/option.nested.ts) run in a child Playwright
// process, and this spec checks what that run reported for each of them.
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { test, expect } from '@playwright/test'
import { expectNoStackLikeLines, plain } from './helpers.js'
import { lineOf } from './pages.js'

interface JsonResult {
  status: string
  errors: { message?: string }[]
  attachments: { name: string; contentType: string; body?: string; path?: string }[]
}
interface JsonSuite {
  title: string
  specs: { title: string; tests: { status: string; results: JsonResult[] }[] }[]
  suites?: JsonSuite[]
}
interface Outcome {
  /** expected / unexpected / flaky / skipped */
  outcome: string
  status: string
  errors: string[]
  attachments: JsonResult['attachments']
}

const root = path.resolve(import.meta.dirname, '../../..')
const outcomes = new Map<string, Outcome>()

test.beforeAll(async () => {
  test.setTimeout(180_000)
  const dir = await mkdtemp(path.join(tmpdir(), 'leakscope-nested-'))
  const output = path.join(dir, 'report.json')
  try {
    await new Promise<void>((resolve) => {
      execFile(
        process.execPath,
        [
          path.join(root, 'node_modules/@playwright/test/cli.js'),
          'test',
          '-c',
          'packages/playwright/test/nested',
        ],
        { cwd: root, env: { ...process.env, PLAYWRIGHT_JSON_OUTPUT_FILE: output } },
        // The run fails on purpose (that is what the option does): read the report either way.
        () => resolve(),
      )
    })
    const report = JSON.parse(await readFile(output, 'utf8')) as { suites: JsonSuite[] }
    const walk = (suite: JsonSuite, titles: string[]): void => {
      for (const spec of suite.specs) {
        for (const run of spec.tests) {
          const result = run.results[0]
          outcomes.set([...titles, spec.title].join(' > '), {
            outcome: run.status,
            status: result?.status ?? 'none',
            errors: (result?.errors ?? []).map((e) => plain(e.message ?? '')),
            attachments: result?.attachments ?? [],
          })
        }
      }
      for (const child of suite.suites ?? []) walk(child, [...titles, child.title])
    }
    for (const file of report.suites) walk(file, [])
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

function outcome(title: string): Outcome {
  const found = outcomes.get(title)
  if (found === undefined) throw new Error(`no nested test "${title}" in ${[...outcomes.keys()]}`)
  return found
}

function failure(title: string): string {
  const result = outcome(title)
  expect(result.status, title).toBe('failed')
  expect(result.errors, title).toHaveLength(1)
  return result.errors[0] ?? ''
}

function attachment(result: Outcome): { documents: unknown[]; blocks: unknown[] } {
  const found = result.attachments.find((a) => a.name === 'leakscope-test-report.json')
  expect(found?.contentType).toBe('application/json')
  return JSON.parse(Buffer.from(found?.body ?? '', 'base64').toString('utf8')) as {
    documents: unknown[]
    blocks: unknown[]
  }
}

test('a passing test that leaves work behind fails, with the report and its JSON', () => {
  const message = failure('option on > leaky page')
  expect(message).toContain('leakscope: the test passed, but left work behind')
  expect(message).toMatch(/Document: http:\/\/127\.0\.0\.1:\d+\/leaky\.html\n/)
  expect(message).toContain('Counted: what it created since its load event')
  expect(message).toContain('Detected 2 leaked tasks')
  expect(message).toContain(`leaky.html:${lineOf('/leaky.html', 'leaky interval')}:`)
  expect(message).toContain(`leaky.html:${lineOf('/leaky.html', 'leaky listener')}:`)
  expectNoStackLikeLines(message.split('\n\n   at ')[0] ?? '')
  const report = attachment(outcome('option on > leaky page'))
  expect(report.documents).toHaveLength(1)
  expect(report.documents[0]).toMatchObject({
    tasks: [{ kind: 'interval' }, { kind: 'listener' }],
  })
})

test('clean tests pass, and the option is off by default', () => {
  expect(outcome('option on > clean page').status).toBe('passed')
  expect(outcome('option on > clean page').attachments).toEqual([])
  expect(outcome('option off > leaky page passes').status).toBe('passed')
  expect(outcome('option on > long frame, option without blocking').status).toBe('passed')
  expect(outcome('blocking > quick handlers').status).toBe('passed')
})

test('what a document still had when it went away, or a closed page, is not counted', () => {
  // The browser discarded that work with the document: the test did not leave it behind.
  expect(outcome('option on > pending in a document that is gone').status).toBe('passed')
  expect(outcome('option on > closed page').status).toBe('passed')
})

test('every open page of the context is checked', () => {
  const message = failure('option on > second page')
  expect(message).toMatch(/Document: http:\/\/127\.0\.0\.1:\d+\/leaky\.html\?second\n/)
  expect(message).not.toMatch(/Document: http:\/\/127\.0\.0\.1:\d+\/leaky\.html\?fixed\n/)
})

test('workers still running fail the test; terminated and self-closed ones do not', () => {
  const message = failure('workers > running worker')
  expect(message).toContain('Detected 1 leaked worker')
  expect(message).toContain('Leaked worker: worker "forgotten"')
  expect(message).toContain(`worker.html:${lineOf('/worker.html', 'leaky worker')}:`)
  expect(outcome('workers > terminated and self-closed workers').status).toBe('passed')
})

test('a test that failed keeps only its own error, and test.fail() still works', () => {
  const own = failure('option on > own failure')
  expect(own).toContain('expect(received).toBe(expected)')
  expect(own).not.toContain('leakscope')
  const expected = outcome('option on > expected failure')
  expect(expected.outcome).toBe('expected')
  expect(expected.status).toBe('failed')
})

test('true turns the option on with its defaults; kinds and nameFilter narrow it', () => {
  expect(failure('option true > leaky page')).toContain('Detected 2 leaked tasks')
  const narrowed = failure('kinds and nameFilter > leaky page')
  expect(narrowed).toContain('Detected 1 leaked task')
  expect(narrowed).toContain('listener "onResize"')
})

// Headless Chromium now and then produces no Long Animation Frame for the nested test's click (see
// long-tasks.spec.ts): a retry runs the nested project again.
test.describe('long frames', () => {
  test.describe.configure({ retries: 2 })

  test('blocking fails on a long frame, also in a document that is gone', () => {
    const message = failure('blocking > long frame in a document that is gone')
    expect(message).toMatch(/Document: http:\/\/127\.0\.0\.1:\d+\/blocking\.html\n/)
    expect(message).toContain('(threshold: 250ms)')
    expect(message).toMatch(
      new RegExp(
        `Source: http://127\\.0\\.0\\.1:\\d+/blocking\\.html:${lineOf('/blocking.html', 'function busy()')}:\\d+ \\(busy\\)`,
      ),
    )
    // The page load's frames count too and may be long on a busy machine: busy's is found by name.
    const blocks = attachment(outcome('blocking > long frame in a document that is gone'))
      .blocks as { source?: { functionName?: string } }[]
    expect(blocks.filter((block) => block.source?.functionName === 'busy')).toHaveLength(1)
  })
})

test('a bad option fails the test and names itself', () => {
  expect(failure('bad options > negative grace > bad grace')).toContain(
    'test.use({ leakscope }): option "grace" is -1',
  )
  expect(failure('bad options > unknown key > unknown key')).toContain('unknown option "nameFiltr"')
  expect(failure('bad options > bad kind > bad kind')).toContain('option "kinds" is ["intervals"]')
  expect(failure('bad options > bad sourceMaps > bad sourceMaps')).toContain(
    'test.use({ leakscope }): option "sourceMaps" is "yes"; expected true or false',
  )
})

test("what the page's own leakscope reported counts, also from a document that is gone", () => {
  const message = failure(
    "the page's own leakscope > app scope report from a document that is gone",
  )
  expect(message).toMatch(
    /Reported by the page's own leakscope \(scope \d+, noTaskLeaks\) in http:\/\/127\.0\.0\.1:\d+\/app-scope\.html\n/,
  )
  expect(message).toContain('interval "appPoll"')
  expect(message).toContain(`app-scope.html:${lineOf('/app-scope.html', 'app scope leak')}:`)
  expect(message).not.toMatch(/^Document: /m)
})

test('frames are resolved through source maps unless sourceMaps is false', async () => {
  const source = (
    await readFile(path.join(root, 'packages/playwright/test/vite-app/src/Leaky.tsx'), 'utf8')
  ).split('\n')
  const line = source.findIndex((text) => text.includes('setInterval(')) + 1
  const column = (source[line - 1] ?? '').indexOf('setInterval(') + 1
  const at = `/src/Leaky.tsx:${line}:${column} (startTicker)`

  const mapped = failure('source maps > on > leaky React component')
  expect(mapped).toContain('Detected 1 leaked task')
  expect(mapped).toContain(at)
  const report = attachment(outcome('source maps > on > leaky React component')) as unknown as {
    documents: { tasks: { creationStack: { line: number; original?: { line: number } }[] }[] }[]
  }
  const frame = report.documents[0]?.tasks[0]?.creationStack[0]
  expect(frame?.original?.line).toBe(line)
  expect(frame?.line).not.toBe(line)

  const generated = failure('source maps > off > leaky React component')
  expect(generated).toMatch(/\/src\/Leaky\.tsx:\d+:\d+ \(startTicker\)/)
  expect(generated).not.toContain(at)
})
