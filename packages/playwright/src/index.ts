// `import { test, expect, leakscope } from '@leakscope/playwright'`: Playwright Test with the
// agent injected into every document of the test context before its scripts, scopes opened in a
// page (`leakscope.start(page)`), the `toHaveNoLeaks` and `toHaveNoLongTasks` matchers, and the
// `leakscope` option that checks a whole test.
import { test as base, expect as baseExpect } from '@playwright/test'
import type {
  Expect,
  ExpectMatcherState,
  MatcherReturnType,
  Page,
  PlaywrightTestArgs,
  PlaywrightTestOptions,
  PlaywrightWorkerArgs,
  PlaywrightWorkerOptions,
  TestInfo,
  TestType,
} from '@playwright/test'
import {
  countFindings,
  filterAppReport,
  pageFindingsAfterGrace,
  type DocumentFindings,
} from './checks.js'
import { findingCount, formatDocuments, formatLongFrames, formatReport } from './format.js'
import { longFrameBlocks, readLongFrames, type LongFrameData } from './long-tasks.js'
import {
  checkStartOptions,
  resolveLongTaskOptions,
  resolvePageOptions,
  resolveTestOptions,
  type LeakscopeTestOptions,
  type LongTaskOptions,
  type PageLeakOptions,
  type ResolvedTestOptions,
} from './options.js'
import { PROBE_GLOBAL, type Probe, type RawFrame } from './probe.js'
import { PageLeakScope, startScope, type LeakscopeStartOptions } from './scope.js'
import { ContextSession } from './session.js'
import { withOriginalLocations } from './source-maps.js'

export { PageLeakScope } from './scope.js'
export type { LeakscopeStartOptions, ScopeFindings } from './scope.js'
export type { LeakscopeTestOptions, LongTaskOptions, PageLeakOptions } from './options.js'
export type { LongFrameData } from './long-tasks.js'
export type { DocumentFindings, SeenOnlyWorker } from './checks.js'
export { formatReport, formatLongFrames } from './format.js'

/** Opens scopes in pages of a test context. */
export interface LeakscopeApi {
  /** Opens a scope in `page`'s current document (tasks and workers created from now on). */
  start(page: Page, options?: LeakscopeStartOptions): Promise<PageLeakScope>
}

/**
 * `leakscope.start(page, options)`: works with any page of a context the `test` of this package
 * created (the test's `context`, its `page`, popups, `context.newPage()`).
 */
export const leakscope: LeakscopeApi = {
  async start(page, options) {
    checkStartOptions(options)
    const session = ContextSession.of(page.context())
    if (session === undefined) {
      throw new Error(
        'leakscope.start(page): the page belongs to a browser context the leakscope fixtures did ' +
          'not prepare: use the test `page`, its `context`, or `context.newPage()`.',
      )
    }
    const scope = await startScope(page, session, options)
    session.scopes.push(scope)
    return scope
  },
}

/** The fixtures this package adds. */
export interface LeakscopeFixtures {
  /**
   * The option `test.use({ leakscope: { ... } })` (or `true`): check the whole test after it
   * passed. Off by default. Inside a test this argument is the option's value.
   */
  leakscope: LeakscopeTestOptions | boolean | undefined
}

/** Playwright Test's `test` with the leakscope fixtures. */
export const test: TestType<
  PlaywrightTestArgs & PlaywrightTestOptions & LeakscopeFixtures,
  PlaywrightWorkerArgs & PlaywrightWorkerOptions
> = base.extend<LeakscopeFixtures>({
  leakscope: [undefined, { option: true }],
  // Every test context is prepared before any page exists, so pages, popups and frames have the
  // agent from their first script on. The check runs here, after the `page` fixture's teardown,
  // which leaves the pages open (the context closes them later).
  context: async ({ context, leakscope: option }, use, testInfo) => {
    const options = resolveTestOptions(option)
    const session = await ContextSession.install(context)
    await use(context)
    // Scopes never checked are closed quietly: the agent keeps no patches for them.
    await Promise.all(
      session.scopes
        .filter((s) => !s.closed && !s.page.isClosed())
        .map((s) => s.findings().catch(() => undefined)),
    )
    // A test that failed already keeps its own error (and `test.fail()` keeps working).
    if (options === undefined || testInfo.status !== 'passed') return
    await checkWholeTest(session, options, testInfo)
  },
})

async function attachJson(info: TestInfo, prefix: string, data: unknown): Promise<void> {
  const taken = info.attachments.filter(
    (a) =>
      a.name === `${prefix}.json` ||
      (a.name.startsWith(`${prefix}-`) && /-\d+\.json$/.test(a.name)),
  ).length
  await info.attach(`${prefix}${taken === 0 ? '' : `-${taken + 1}`}.json`, {
    body: JSON.stringify(data, null, 2),
    contentType: 'application/json',
  })
}

// Frames resolved through the page's source maps, for reports with findings only (so a passing
// test never waits for a map), unless the check's `sourceMaps` option is false.
function located<T>(session: ContextSession, data: T, sourceMaps: boolean): Promise<T> {
  return sourceMaps
    ? withOriginalLocations(data, session.context.request, session.sourceMaps)
    : Promise.resolve(data)
}

async function currentFrames(
  page: Page,
): Promise<{ doc: string; url: string; frames: RawFrame[] }[]> {
  const results = await Promise.all(
    page.frames().map((frame) =>
      frame
        .evaluate(async (name) => {
          const probe = (globalThis as unknown as Record<string, Probe | undefined>)[name]
          if (probe === undefined) return undefined
          await probe.settle()
          return {
            doc: probe.doc,
            url: String((globalThis as { location?: { href?: string } }).location?.href ?? ''),
            frames: probe.frames(0),
          }
        }, PROBE_GLOBAL)
        .catch(() => undefined),
    ),
  )
  return results.filter((r) => r !== undefined)
}

async function checkWholeTest(
  session: ContextSession,
  options: ResolvedTestOptions,
  info: TestInfo,
): Promise<void> {
  const pages = session.context.pages().filter((page) => !page.isClosed())
  const documents = (
    await Promise.all(
      pages.map((page) => pageFindingsAfterGrace(page, session, options.filters, options.grace)),
    )
  ).flat()
  const blocks: LongFrameData[] = []
  if (options.blocking !== undefined) {
    const current = (await Promise.all(pages.map(currentFrames))).flat()
    const seen = new Set(current.map((c) => c.doc))
    const gone = [...session.documents.values()]
      .filter((d) => !seen.has(d.doc) && d.unloadedAt !== undefined)
      .map((d) => ({ doc: d.doc, url: d.url, frames: d.frames }))
    for (const document of [...current, ...gone]) {
      blocks.push(
        ...(await longFrameBlocks(session, document.frames, options.blocking, document.url)),
      )
    }
  }
  // What the page's own leakscope reported (its scopes, in any document of the test, also gone).
  const appReports = [...session.documents.values()].flatMap((d) =>
    d.appReports.flatMap((report) => filterAppReport(report, options.filters) ?? []),
  )
  const count = countFindings(documents)
  if (count === 0 && blocks.length === 0 && appReports.length === 0) return
  const report = await located(
    session,
    {
      documents: documents.filter((d) => d.tasks.length + d.workers.length > 0),
      blocks,
      appReports,
    },
    options.sourceMaps,
  )
  await attachJson(info, 'leakscope-test-report', report)
  const parts = ['leakscope: the test passed, but left work behind (test.use({ leakscope }))']
  if (count > 0) parts.push(formatDocuments(report.documents))
  for (const app of report.appReports) {
    const label = app.label === undefined ? '' : `, ${app.label}`
    parts.push(
      `Reported by the page's own leakscope (scope ${app.scopeId}${label}) in ${app.url}\n\n` +
        formatReport(app.report),
    )
  }
  if (report.blocks.length > 0) {
    const byUrl = new Map<string, LongFrameData[]>()
    for (const block of report.blocks) {
      byUrl.set(block.url, [...(byUrl.get(block.url) ?? []), block])
    }
    for (const [url, list] of byUrl) parts.push(`Document: ${url}\n\n${formatLongFrames(list)}`)
  }
  throw new Error(parts.join('\n\n'))
}

function isPage(value: unknown): value is Page {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Page).mainFrame === 'function' &&
    typeof (value as Page).context === 'function'
  )
}

function sessionOf(page: Page, matcher: string): ContextSession {
  const session = ContextSession.of(page.context())
  if (session === undefined) {
    throw new Error(
      `${matcher}: the page belongs to a browser context the leakscope fixtures did not prepare: ` +
        'use the test `page`, its `context`, or `context.newPage()`.',
    )
  }
  return session
}

/** Matchers added to `expect`. */
export type LeakscopeMatchers = {
  /**
   * `expect(scope)`: closes the scope and fails when the page left tasks or workers behind.
   * `expect(page)`: fails when a document of the page still has pending what it created after its
   * `load` event (after `grace` ms), or workers running. The JSON report is attached whenever
   * there are findings.
   */
  toHaveNoLeaks(
    this: ExpectMatcherState,
    target: PageLeakScope | Page,
    options?: PageLeakOptions,
  ): Promise<MatcherReturnType>
  /**
   * Fails on Long Animation Frames longer than `threshold` ms (default 100). `expect(page)`: in
   * the page's current document since the previous `toHaveNoLongTasks` on it, else since the
   * document started. `expect(scope)`: while the scope was open (start it with `blocking`).
   */
  toHaveNoLongTasks(
    this: ExpectMatcherState,
    target: Page | PageLeakScope,
    options?: LongTaskOptions,
  ): Promise<MatcherReturnType>
}

async function toHaveNoLeaks(
  this: ExpectMatcherState,
  target: PageLeakScope | Page,
  options?: PageLeakOptions,
): Promise<MatcherReturnType> {
  const name = 'toHaveNoLeaks'
  const info = test.info()
  if (target instanceof PageLeakScope) {
    if (options !== undefined) {
      throw new TypeError(
        `${name}: a scope takes its options at leakscope.start(page, options), not here`,
      )
    }
    const findings = await target.findings()
    const count = findingCount(findings.report)
    const report =
      count === 0
        ? findings.report
        : await located(
            sessionOf(target.page, name),
            findings.report,
            target.options.sourceMaps !== false,
          )
    if (count > 0) {
      await attachJson(info, `leakscope-report-${target.id}`, {
        url: findings.url,
        ...(findings.unloaded === undefined ? {} : { unloaded: findings.unloaded }),
        ...report,
      })
    }
    const hint = this.utils.matcherHint(name, 'scope', '', { isNot: this.isNot })
    const gone = findings.unloaded
    const unloaded =
      gone === undefined
        ? ''
        : gone.from === 'beforeunload'
          ? `\nThe document went away (navigation or reload) at ${new Date(gone.at).toISOString()}; ` +
            'these items were still pending in it then.'
          : `\nThe document went away without notice (page closed, frame removed); these items were ` +
            `pending in the agent's last update (${new Date(gone.at).toISOString()}, at most 250 ms before).`
    return {
      name,
      pass: count === 0,
      actual: count,
      expected: 0,
      message: () =>
        count === 0
          ? `${hint}\n\nExpected leaks in ${findings.url}, found none.${unloaded}`
          : `${hint}\n\nPage: ${findings.url}${unloaded}\n\n${formatReport(report)}`,
    }
  }
  if (!isPage(target)) {
    throw new TypeError(
      `${name}: expected a page or the scope returned by leakscope.start(page), got ${String(target)}`,
    )
  }
  const { grace, filters, sourceMaps } = resolvePageOptions(options)
  const session = sessionOf(target, name)
  const found: DocumentFindings[] = await pageFindingsAfterGrace(target, session, filters, grace)
  const count = countFindings(found)
  const documents = count === 0 ? found : await located(session, found, sourceMaps)
  if (count > 0) {
    await attachJson(info, 'leakscope-page-report', {
      documents: documents.filter((d) => d.tasks.length + d.workers.length > 0),
    })
  }
  const hint = this.utils.matcherHint(name, 'page', '', { isNot: this.isNot })
  return {
    name,
    pass: count === 0,
    actual: count,
    expected: 0,
    message: () =>
      count === 0
        ? `${hint}\n\nExpected leaks in ${target.url()}, found none.`
        : `${hint}\n\n${formatDocuments(documents)}`,
  }
}

async function toHaveNoLongTasks(
  this: ExpectMatcherState,
  target: Page | PageLeakScope,
  options?: LongTaskOptions,
): Promise<MatcherReturnType> {
  const name = 'toHaveNoLongTasks'
  const { threshold, sourceMaps } = resolveLongTaskOptions(options)
  let frames: RawFrame[]
  let url: string
  let window: string
  let session: ContextSession
  let limit: number
  let subject: string
  if (target instanceof PageLeakScope) {
    if (!target.blocking) {
      throw new TypeError(
        `${name}: the scope was started without blocking: leakscope.start(page, { blocking: true })`,
      )
    }
    session = sessionOf(target.page, name)
    const findings = await target.findings()
    frames = findings.frames
    url = findings.url
    limit = threshold ?? target.blockingThreshold
    window = `while scope ${target.id} was open (since ${new Date(target.openedAt).toISOString()})`
    subject = 'scope'
  } else if (isPage(target)) {
    session = sessionOf(target, name)
    const read = await readLongFrames(target, session)
    if (!read.supported) {
      throw new Error(
        `${name}: this browser reports no Long Animation Frames (Chromium 123+ does), so long ` +
          'tasks cannot be checked here',
      )
    }
    frames = read.frames
    url = read.url
    limit = threshold ?? 100
    window =
      read.since === undefined
        ? 'since the document started'
        : `since the previous toHaveNoLongTasks check (${new Date(read.since).toISOString()})`
    subject = 'page'
  } else {
    throw new TypeError(
      `${name}: expected a page or the scope returned by leakscope.start(page), got ${String(target)}`,
    )
  }
  const found = await longFrameBlocks(session, frames, limit, url)
  const mapped =
    sourceMaps ?? (target instanceof PageLeakScope ? target.options.sourceMaps !== false : true)
  const blocks = found.length === 0 ? found : await located(session, found, mapped)
  if (blocks.length > 0) {
    await attachJson(test.info(), 'leakscope-long-tasks', { url, threshold: limit, window, blocks })
  }
  const hint = this.utils.matcherHint(name, subject, '', { isNot: this.isNot })
  return {
    name,
    pass: blocks.length === 0,
    actual: blocks.length,
    expected: 0,
    message: () =>
      blocks.length === 0
        ? `${hint}\n\nExpected long frames over ${limit}ms in ${url} ${window}, found none.`
        : `${hint}\n\nPage: ${url}\nWindow: ${window}\n\n${formatLongFrames(blocks)}`,
  }
}

const matchers: LeakscopeMatchers = { toHaveNoLeaks, toHaveNoLongTasks }

/** Playwright Test's `expect` with `toHaveNoLeaks` and `toHaveNoLongTasks`. */
export const expect: Expect<LeakscopeMatchers> = baseExpect.extend(matchers)
