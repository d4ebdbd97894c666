// `import { test, expect } from '@leakscope/playwright'`: Playwright Test with a `leakscope`
// fixture (the agent injected into every document of the context before its scripts) and the
// `toHaveNoLeaks` matcher.
import { test as base, expect as baseExpect } from '@playwright/test'
import type {
  BrowserContext,
  Expect,
  ExpectMatcherState,
  MatcherReturnType,
  Page,
  PlaywrightTestArgs,
  PlaywrightTestOptions,
  PlaywrightWorkerArgs,
  PlaywrightWorkerOptions,
  TestType,
} from '@playwright/test'
import { agentScriptPath } from 'leakscope/agent'
import { findingCount, formatReport } from './format.js'
import { PageLeakScope, startScope } from './scope.js'
import type { LeakscopeStartOptions } from './scope.js'

export { PageLeakScope } from './scope.js'
export type { LeakscopeStartOptions } from './scope.js'
export { formatReport } from './format.js'

/** The `leakscope` fixture. */
export interface LeakscopeFixture {
  /** Opens a scope in `page` (tasks and workers created from now on). */
  start(page: Page, options?: LeakscopeStartOptions): Promise<PageLeakScope>
}

export interface LeakscopeFixtures {
  leakscope: LeakscopeFixture
}

/** Playwright Test's `test` with the `leakscope` fixture. */
export const test: TestType<
  PlaywrightTestArgs & PlaywrightTestOptions & LeakscopeFixtures,
  PlaywrightWorkerArgs & PlaywrightWorkerOptions
> = base.extend<LeakscopeFixtures>({
  // Every test context gets the agent, so pages, popups and frames have it from their first
  // script on, whatever the order the fixtures are set up in.
  context: async ({ context }, use) => {
    await context.addInitScript({ path: agentScriptPath })
    await use(context)
  },
  leakscope: async ({ context }, use) => {
    const scopes: PageLeakScope[] = []
    const fixture: LeakscopeFixture = {
      async start(page, options) {
        assertPageOf(context, page)
        const scope = await startScope(page, options)
        scopes.push(scope)
        return scope
      },
    }
    await use(fixture)
    // Scopes never checked are closed quietly: the agent keeps no patches for them.
    await Promise.all(
      scopes.filter((s) => !s.closed && !s.page.isClosed()).map((s) => s.report().catch(() => {})),
    )
  },
})

function assertPageOf(context: BrowserContext, page: Page): void {
  if (page.context() !== context) {
    throw new Error(
      'leakscope.start(page): the page belongs to another browser context, where the agent was ' +
        'not injected: use the test `page` or `context.newPage()`.',
    )
  }
}

/** Matchers added to `expect`. */
export type LeakscopeMatchers = {
  /**
   * Closes the scope and fails when the page left tasks or workers behind; the JSON report is
   * attached to the test whenever there are findings.
   */
  toHaveNoLeaks(this: ExpectMatcherState, scope: PageLeakScope): Promise<MatcherReturnType>
}

async function toHaveNoLeaks(
  this: ExpectMatcherState,
  scope: PageLeakScope,
): Promise<MatcherReturnType> {
  const name = 'toHaveNoLeaks'
  if (!(scope instanceof PageLeakScope)) {
    throw new TypeError(
      `${name}: expected the scope returned by leakscope.start(page), got ${String(scope)}`,
    )
  }
  const report = await scope.report()
  const count = findingCount(report)
  if (count > 0) {
    const info = test.info()
    await info.attach(`leakscope-report-${scope.id}.json`, {
      body: JSON.stringify({ url: scope.url, ...report }, null, 2),
      contentType: 'application/json',
    })
  }
  const hint = this.utils.matcherHint(name, 'scope', '', { isNot: this.isNot })
  const pass = count === 0
  return {
    name,
    pass,
    actual: count,
    expected: 0,
    message: () =>
      pass
        ? `${hint}\n\nExpected leaks in ${scope.url}, found none.`
        : `${hint}\n\nPage: ${scope.url}\n\n${formatReport(report)}`,
  }
}

const matchers: LeakscopeMatchers = { toHaveNoLeaks }

/** Playwright Test's `expect` with `toHaveNoLeaks`. */
export const expect: Expect<LeakscopeMatchers> = baseExpect.extend(matchers)
