// zone.js (Angular's change-detection engine) patches the same APIs as the agent. Injected by
// @leakscope/playwright, the agent is in the page first and zone.js patches over it, as in an
// Angular app tested with Playwright; an extension or a late addScriptTag puts the agent on top
// of zone.js instead. In both orders, work started in a forked zone must still run in that zone
// with its hooks called, cancel and remove through zone.js, and leak where the page left it.
import { join } from 'node:path'
import type { Page } from '@playwright/test'
import { agentScriptPath } from 'leakscope/agent'
import type { LeakReportData } from 'leakscope'
import type { LeakscopeAgent } from 'leakscope/agent'
import { formatReport } from '@leakscope/playwright'
import {
  expect,
  failureOf,
  frameAt,
  leakscope,
  leakSite,
  mountAndUnmount,
  openPage,
  siteText,
  test,
  watchErrors,
} from './compat-fixtures.js'
import { packageDir } from './compat-server.js'

const file = 'zone-app.js'
const zonePath = join(packageDir('zone.js'), 'bundles', 'zone.umd.js')

interface ZoneState {
  seen: { scheduled: number; invoked: number; canceled: number }
  state: {
    ticks: number
    resizes: number
    mutations: number
    zones: string[]
    response: string
    late: number
  }
}

function zoneState(page: Page): Promise<ZoneState> {
  return page.evaluate(() => {
    const { seen, state } = (
      globalThis as unknown as {
        compat: { seen: ZoneState['seen']; state: ZoneState['state'] & { zones: Set<string> } }
      }
    ).compat
    return { seen: { ...seen }, state: { ...state, zones: [...state.zones] } }
  })
}

const resize = (page: Page): Promise<void> =>
  page.evaluate(() => void globalThis.dispatchEvent(new Event('resize')))

// The zone tasks the fixed widget makes, as zone.js alone counts them (the first test checks this
// without any agent): an interval, a resize listener, a timeout, the XHR and its `once` load
// listener; cancelled: the load listener once it ran, then the interval, the timeout and the
// resize listener at unmount. The agent, under or over zone.js, must add none of its own.
const ZONE_TASKS = { scheduled: 5, canceled: 4 }

/** Mounts the fixed widget and checks that zone.js and the page both still do their part. */
async function fixedWidgetWorks(page: Page): Promise<void> {
  await mountAndUnmount(page, 'fixed', async () => {
    // The interval fires through both layers, in the app zone, with the zone's hooks called.
    await expect.poll(async () => (await zoneState(page)).state.ticks).toBeGreaterThan(2)
    await expect.poll(async () => (await zoneState(page)).state.response).toBe('zone')
    await resize(page)
    const mounted = await zoneState(page)
    expect(mounted.state).toMatchObject({ resizes: 1, zones: ['app'], late: 0 })
    expect(mounted.state.mutations).toBeGreaterThan(0)
    expect(mounted.seen.scheduled).toBe(ZONE_TASKS.scheduled)
    expect(mounted.seen.invoked).toBeGreaterThan(mounted.state.ticks)
  })
  const unmounted = await zoneState(page)
  // clearInterval, clearTimeout and removeEventListener went through the zone.
  expect(unmounted.seen).toMatchObject(ZONE_TASKS)
  await resize(page)
  expect((await zoneState(page)).state.resizes).toBe(unmounted.state.resizes)
}

const leaks = [
  { kind: 'interval', label: 'interval' },
  { kind: 'listener', label: 'listener', detail: "'resize' on window" },
  { kind: 'observer', label: 'observer', detail: 'MutationObserver' },
]

/** The leaky widget's report: one item per leak, each with its LEAK line in its stack. */
function expectLeakyReport(report: LeakReportData, baseURL: string | undefined): void {
  expect(report.workers).toEqual([])
  expect(report.tasks.map((t) => t.kind).sort()).toEqual(leaks.map((l) => l.kind).sort())
  for (const leak of leaks) {
    const task = report.tasks.find((t) => t.kind === leak.kind)
    if (leak.detail !== undefined) expect(task?.detail).toBe(leak.detail)
    expect(frameAt(task?.creationStack, leakSite(file, leak.label), baseURL)).toBeDefined()
  }
}

test.describe('zone.js loaded by the page, after the agent', () => {
  test('the zone, its hooks and the page still work; the fixed widget passes', async ({ page }) => {
    await openPage(page, '/zone.html')
    const scope = await leakscope.start(page)
    await fixedWidgetWorks(page)
    await expect(scope).toHaveNoLeaks()
  })

  test('the leaky widget leaks its interval, listener and observer, at their LEAK lines', async ({
    page,
    baseURL,
  }) => {
    await openPage(page, '/zone.html')
    const scope = await leakscope.start(page)
    await mountAndUnmount(page, 'leaky', () =>
      expect.poll(async () => (await zoneState(page)).state.ticks).toBeGreaterThan(2),
    )
    const message = await failureOf(expect(scope).toHaveNoLeaks())
    const report = await scope.report()
    expectLeakyReport(report, baseURL)
    // Under zone.js the agent is called by zone.js's patches, not by the page: it names the
    // callbacks zone.js hands it (a known limit: see e2e/README.md). Timers and listeners are
    // captured from the page's call to zone.js's patch, so their stacks start at the LEAK line;
    // the observer, which zone.js wraps as a whole class, starts inside zone.js.
    expect(report.tasks.find((t) => t.kind === 'listener')?.name).toBe('globalZoneAwareCallback')
    for (const task of report.tasks) {
      const label = leaks.find((l) => l.kind === task.kind)?.label ?? ''
      const first = task.creationStack?.[0]
      if (task.kind === 'observer') expect(first?.url).toMatch(/\/zone\.umd\.js$/)
      else expect(first, task.kind).toEqual(frameAt([first!], leakSite(file, label), baseURL))
    }
    expect(message).toContain('Detected 3 leaked tasks')
    for (const leak of leaks) {
      expect(message).toContain(`Leaked task: ${leak.kind} `)
      expect(message).toContain(siteText(leakSite(file, leak.label)))
    }
  })
})

// The agent's own API, driven from the test: the fixtures of @leakscope/playwright always inject
// the agent first, so these contexts are made by hand.
async function openScope(page: Page): Promise<number> {
  return page.evaluate(() =>
    (globalThis as { __LEAKSCOPE_AGENT__?: LeakscopeAgent }).__LEAKSCOPE_AGENT__!.openScope(),
  )
}

async function closeScope(page: Page, id: number): Promise<LeakReportData> {
  return page.evaluate(
    (scopeId) =>
      (globalThis as { __LEAKSCOPE_AGENT__?: LeakscopeAgent }).__LEAKSCOPE_AGENT__!.closeScope(
        scopeId,
      ),
    id,
  )
}

test("without any agent, zone.js counts the fixed widget's tasks as ZONE_TASKS says", async ({
  browser,
  baseURL,
}) => {
  const context = await browser.newContext({ baseURL })
  try {
    const page = await context.newPage()
    const errors: string[] = []
    watchErrors(page, errors)
    await openPage(page, '/zone.html')
    await fixedWidgetWorks(page)
    expect(errors).toEqual([])
  } finally {
    await context.close()
  }
})

test.describe('zone.js loaded before the agent', () => {
  for (const order of ['init script', 'added later'] as const) {
    test(`${order}: the zone still works, the leaky widget leaks, the fixed one passes`, async ({
      browser,
      baseURL,
    }) => {
      const context = await browser.newContext({ baseURL })
      try {
        const errors: string[] = []
        if (order === 'init script') {
          // zone.js first at document start (an earlier extension or polyfill), then the agent.
          await context.addInitScript({ path: zonePath })
          await context.addInitScript({ path: agentScriptPath })
        }
        const page = await context.newPage()
        watchErrors(page, errors)
        // The page's own copy of zone.js then finds Zone loaded and patches nothing again.
        await openPage(page, '/zone.html')
        // The page loaded zone.js itself and ran; the agent arrives now (a late injection).
        if (order === 'added later') await page.addScriptTag({ path: agentScriptPath })

        let id = await openScope(page)
        await fixedWidgetWorks(page)
        expect((await closeScope(page, id)).tasks).toEqual([])

        id = await openScope(page)
        await mountAndUnmount(page, 'leaky')
        const report = await closeScope(page, id)
        expectLeakyReport(report, baseURL)
        // On top of zone.js, the agent sees the page's own call first.
        for (const task of report.tasks) {
          const leak = leaks.find((l) => l.kind === task.kind)
          expect(task.creationStack?.[0]).toMatchObject({
            url: new URL(file, baseURL).href,
            line: leakSite(file, leak?.label ?? '').line,
          })
        }
        expect(formatReport(report)).toContain('Detected 3 leaked tasks')
        expect(errors).toEqual([])
      } finally {
        await context.close()
      }
    })
  }
})

// A known limit, pinned so that e2e/README.md stays true: zone.js registers one DOM listener of
// its own per (target, type, capture) and dispatches to the handlers it keeps. Under zone.js, the
// agent sees only that one: a handler leaked next to an earlier one of the same type on the same
// target adds no DOM listener, and is not seen.
test('known limit: a listener zone.js multiplexes with an earlier one is not seen', async ({
  page,
}) => {
  await openPage(page, '/zone.html')
  await page.evaluate(() => globalThis.addEventListener('resize', function appLevel() {}))
  const scope = await leakscope.start(page)
  await mountAndUnmount(page, 'leaky')
  const report = await scope.report()
  expect(report.tasks.map((t) => t.kind).sort()).toEqual(['interval', 'observer'])
})
