// The extension on the playground app (the routes every integration is tested on), and on a page
// that bundles leakscope itself.
import { fileURLToPath } from 'node:url'
import { lineOf, startPlayground, type Playground } from 'leakscope-playground/server'
import type { EventLoopBlockData } from 'leakscope'
import type { ToPanel } from '../src/bridge.js'
import { expect, liveItems, test } from './fixtures.js'
import { serve, type Site } from './server.js'

let playground: Playground
let app: Site
const coreDist = fileURLToPath(new URL('../../packages/core/dist/', import.meta.url))
const appPage = `<!doctype html>
<title>app with its own leakscope</title>
<script type="module">
  import { noTaskLeaks } from '/leakscope/browser/index.js'
  const scope = noTaskLeaks({ action: 'log', logger: { warn() {} }, attribution: 'global', grace: 0 })
  setTimeout(function appLeak() {}, 60000) // app leak
  await scope.check()
  document.title = 'checked'
</script>`

test.beforeAll(async () => {
  playground = await startPlayground({ port: 0 })
  app = await serve({ '/app.html': appPage }, { '/leakscope/': coreDist })
})
test.afterAll(async () => {
  await playground.close()
  await app.close()
})

type Of<T extends ToPanel['type']> = Extract<ToPanel, { type: T }>
const is =
  <T extends ToPanel['type']>(type: T, extra: (m: Of<T>) => boolean = () => true) =>
  (m: ToPanel): m is Of<T> =>
    m.type === type && extra(m as Of<T>)

test('playground /interval: the leaked interval with its source line', async ({
  openTab,
  openPanel,
}) => {
  const { page, tabId } = await openTab(new URL('interval', playground.url).href)
  await page.locator('main[data-ready="true"]').waitFor()
  const panel = await openPanel(tabId)
  await panel.waitFor(is('batch'))
  await page.getByTestId('mount-leaky').click()
  await page.getByTestId('unmount-leaky').click()
  const line = lineOf('src/routes/interval.ts', '// LEAK')
  await expect
    .poll(async () =>
      [...liveItems(await panel.messages()).values()]
        .filter((item) => item.kind === 'interval')
        .map((item) => item.creationStack?.[0])
        .find((frame) => frame?.url.endsWith('/src/routes/interval.ts')),
    )
    .toMatchObject({ line })
})

/** Whether a long frame is located in the playground's blocking route (the leaky handler). */
function inBlockingRoute(frame: EventLoopBlockData): boolean {
  const where = [frame.source?.url, ...(frame.blockingStack ?? []).map((f) => f.url)]
  return where.some((url) => url?.endsWith('/src/routes/blocking.ts'))
}

test('playground /blocking: the long frame reaches the panel', async ({ openTab, openPanel }) => {
  const { page, tabId } = await openTab(new URL('blocking', playground.url).href)
  await page.locator('main[data-ready="true"]').waitFor()
  const panel = await openPanel(tabId)
  await panel.waitFor(is('batch'))
  await page.getByTestId('mount-leaky').click()
  await page.getByTestId('work-leaky').click()
  // The first batch replays the page load's long frames, and on a busy machine one of them can
  // run past 250 ms too: the handler's frame is the one located in blocking.ts.
  const withFrame = await panel.waitFor(
    is('batch', (m) => m.batch.longFrames.some((frame) => inBlockingRoute(frame))),
  )
  const frame = withFrame.batch.longFrames.find((f) => inBlockingRoute(f))
  expect(frame?.duration).toBeGreaterThanOrEqual(250)
})

test('long frames and reports from before the panel opened are replayed', async ({
  openTab,
  openPanel,
}) => {
  const { page, tabId } = await openTab(new URL('blocking', playground.url).href)
  await page.locator('main[data-ready="true"]').waitFor()
  await page.getByTestId('mount-leaky').click()
  await page.getByTestId('work-leaky').click()
  await page.waitForTimeout(300)
  const panel = await openPanel(tabId)
  const first = await panel.waitFor(is('batch', (m) => m.batch.seq === 1))
  const frame = first.batch.longFrames.find((f) => inBlockingRoute(f))
  expect(frame?.duration).toBeGreaterThanOrEqual(250)
})

test("an app's own leakscope scopes show up as 'app' reports", async ({ openTab, openPanel }) => {
  const { page, tabId } = await openTab(app.url('/app.html'))
  await expect(page).toHaveTitle('checked')
  const panel = await openPanel(tabId)
  const first = await panel.waitFor(is('batch', (m) => m.batch.reports.length > 0))
  const report = first.batch.reports[0]
  expect(report).toMatchObject({ origin: 'app', url: app.url('/app.html') })
  expect(report?.report.tasks.map((t) => t.name)).toEqual(['appLeak'])
  expect(report?.report.tasks[0]?.creationStack?.[0]?.line).toBe(
    appPage.split('\n').findIndex((l) => l.includes('// app leak')) + 1,
  )
})
