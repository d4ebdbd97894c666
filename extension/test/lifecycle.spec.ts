import type { ToPanel } from '../src/bridge.js'
import { expect, liveItems, test } from './fixtures.js'
import { leakyScript, pages } from './pages.js'
import { lineOf, serve, type Site } from './server.js'

let site: Site
test.beforeAll(async () => {
  site = await serve(pages)
})
test.afterAll(async () => {
  await site.close()
})

type Of<T extends ToPanel['type']> = Extract<ToPanel, { type: T }>
const is =
  <T extends ToPanel['type']>(type: T, extra: (m: Of<T>) => boolean = () => true) =>
  (m: ToPanel): m is Of<T> =>
    m.type === type && extra(m as Of<T>)

test('record start/stop: the report of what the page created in between and left alive', async ({
  openTab,
  openPanel,
}) => {
  const { page, tabId } = await openTab(site.url('/leaky.html'))
  const panel = await openPanel(tabId)
  await panel.waitFor(is('batch'))
  await panel.send({ type: 'record-start' })
  const started = await panel.waitFor(is('recording', (m) => m.state === 'started'))
  const scopeId = started.scopeIds[0]
  expect(scopeId).toEqual(expect.any(Number))

  await page.evaluate(() => (globalThis as unknown as { spawnTimer(): number }).spawnTimer())
  await panel.send({ type: 'record-stop' })
  const stopped = await panel.waitFor(is('recording', (m) => m.state === 'stopped'))
  expect(stopped.scopeIds[0]).toBe(scopeId)

  const withReport = await panel.waitFor(
    is('batch', (m) => m.batch.reports.some((r) => r.scopeId === scopeId)),
  )
  const report = withReport.batch.reports.find((r) => r.scopeId === scopeId)
  expect(report).toMatchObject({ origin: 'agent', url: site.url('/leaky.html') })
  const tasks = report?.report.tasks ?? []
  // Only what was created while recording: the timer, not the page's earlier click listener.
  expect(tasks.map((t) => t.kind)).toEqual(['timeout'])
  expect(tasks[0]?.creationStack?.[0]).toMatchObject({
    url: site.url('/leaky.js'),
    line: lineOf(leakyScript, 'recorded timer'),
  })
})

test('cancel from the panel clears the live item in the page', async ({ openTab, openPanel }) => {
  const { page, tabId } = await openTab(site.url('/leaky.html'))
  const panel = await openPanel(tabId)
  await page.click('#mount')
  const added = await panel.waitFor(
    is('batch', (m) => m.batch.added.some((item) => item.kind === 'interval')),
  )
  const interval = added.batch.added.find((item) => item.kind === 'interval')
  await panel.send({ type: 'cancel', frameId: 0, id: interval?.id ?? -1, kind: 'interval' })
  await panel.waitFor(
    is('batch', (m) => m.batch.removed.some((r) => r.kind === 'interval' && r.id === interval?.id)),
  )
})

test('navigation: the panel hears it and follows the new document', async ({
  openTab,
  openPanel,
}) => {
  const { page, tabId } = await openTab(site.url('/leaky.html'))
  const panel = await openPanel(tabId)
  await panel.waitFor(is('agent', (m) => m.frameId === 0))
  await panel.clear()
  await page.goto(site.url('/other.html'))
  const navigated = await panel.waitFor(is('navigated'))
  expect(navigated.url).toBe(site.url('/other.html'))
  const hello = is('agent', (m) => m.frameId === 0 && m.url === site.url('/other.html'))
  await panel.waitFor(hello)
  // (The old document's port closing sends an empty first batch before the new hello.)
  const first = await panel.waitAfter(
    hello,
    is('batch', (m) => m.frameId === 0 && m.batch.seq === 1),
  )
  expect(first.batch.added.map((item) => item.name)).toContain('otherTick')
})

test('the service worker stops: the panel reconnects and gets the whole live state again', async ({
  context,
  openTab,
  openPanel,
}) => {
  const { page, tabId } = await openTab(site.url('/leaky.html'))
  const panel = await openPanel(tabId)
  await page.click('#mount')
  await panel.waitFor(is('batch', (m) => m.batch.added.some((item) => item.kind === 'interval')))
  await panel.send({ type: 'record-start' })
  const started = await panel.waitFor(is('recording', (m) => m.state === 'started'))
  const statuses = (): Promise<string[]> =>
    panel.page.evaluate(() => [...(globalThis.__leakscopeTabHost?.statuses ?? [])])
  expect(await statuses()).toEqual(['connected'])
  await panel.clear()

  // Chrome stops idle extension workers at will; CDP does the same on demand.
  const browser = context.browser()
  if (browser === null) throw new Error('no browser for CDP')
  const cdp = await browser.newBrowserCDPSession()
  const { targetInfos } = await cdp.send('Target.getTargets')
  const worker = targetInfos.find(
    (t) => t.type === 'service_worker' && t.url.startsWith('chrome-extension://'),
  )
  expect(worker).toBeDefined()
  await cdp.send('Target.closeTarget', { targetId: worker?.targetId ?? '' })

  await expect.poll(statuses).toEqual(['connected', 'disconnected', 'connected'])
  // A new subscription: seq 1 with every live item, the interval among them.
  const resync = await panel.waitFor(is('batch', (m) => m.frameId === 0 && m.batch.seq === 1))
  expect(resync.batch.added.map((item) => item.kind)).toContain('interval')
  // The recording outlived the worker (the page keeps it): the panel hears it is still running,
  // and stopping it through the new worker gives its report.
  const still = await panel.waitFor(is('recording', (m) => m.state === 'started'))
  expect(still.scopeIds).toEqual(started.scopeIds)
  await page.evaluate(() => (globalThis as unknown as { spawnTimer(): number }).spawnTimer())
  await panel.send({ type: 'record-stop' })
  const scopeId = started.scopeIds[0]
  const withReport = await panel.waitFor(
    is('batch', (m) => m.batch.reports.some((r) => r.scopeId === scopeId)),
  )
  const report = withReport.batch.reports.find((r) => r.scopeId === scopeId)
  expect(report?.report.tasks.map((t) => t.kind)).toEqual(['timeout'])
})

test('an agent speaking a newer protocol is reported as incompatible', async ({
  context,
  openTab,
  openPanel,
}) => {
  // Stands in for a page whose own newer agent installed first (the extension's agent then
  // leaves the existing one alone).
  await context.addInitScript(() => {
    Object.defineProperty(globalThis, '__LEAKSCOPE_AGENT__', {
      value: Object.freeze({
        protocol: 99,
        version: '9.0.0',
        openScope: () => 1,
        closeScope: () => Promise.reject(new Error('no')),
        openScopes: () => [],
        live: () => [],
        cancel: () => false,
      }),
      configurable: false,
    })
  })
  const { tabId } = await openTab(site.url('/leaky.html'))
  const panel = await openPanel(tabId)
  const hello = await panel.waitFor(is('agent', (m) => m.frameId === 0))
  expect(hello).toMatchObject({ protocol: 99, version: '9.0.0', compatible: false })
  await panel.page.waitForTimeout(600)
  expect((await panel.messages()).filter((m) => m.type === 'batch')).toEqual([])
})

test('a removed frame: the panel gets an empty first batch for it', async ({
  openTab,
  openPanel,
}) => {
  const { page, tabId } = await openTab(site.url('/frames.html'))
  const panel = await openPanel(tabId)
  const child = await panel.waitFor(is('agent', (m) => m.frameId !== 0))
  await panel.waitFor(is('batch', (m) => m.frameId === child.frameId && m.batch.added.length > 0))
  await panel.clear()
  await page.evaluate(() => globalThis.document.querySelector('iframe')?.remove())
  const emptied = await panel.waitFor(is('batch', (m) => m.frameId === child.frameId))
  expect(emptied.batch).toMatchObject({ seq: 1, added: [], counts: {} })
})

test('back to a page from the back/forward cache: the panel follows it again', async ({
  context,
  openTab,
  openPanel,
}) => {
  await context.addInitScript(() => {
    globalThis.addEventListener('pageshow', (event) => {
      if (event.persisted) (globalThis as { __restored?: boolean }).__restored = true
    })
  })
  // Cacheable pages (the others are served with no-store, which keeps them out of the cache).
  const { page, tabId } = await openTab(site.url('/leaky.html?cache'))
  const panel = await openPanel(tabId)
  await panel.waitFor(is('agent', (m) => m.frameId === 0))
  await page.goto(site.url('/other.html?cache'))
  await panel.waitFor(is('agent', (m) => m.url === site.url('/other.html?cache')))
  await panel.clear()
  await page.goBack()
  const hello = is('agent', (m) => m.frameId === 0 && m.url === site.url('/leaky.html?cache'))
  await panel.waitFor(hello)
  // The live view rebuilt after the hello has the page's click listener (in the first batch, or
  // in a later one when the relay attached before the page's script ran).
  await expect
    .poll(async () => {
      const all = await panel.messages()
      const kinds = [...liveItems(all.slice(all.findIndex(hello))).values()].map((i) => i.kind)
      return kinds
    })
    .toContain('listener')
  // Tells whether this run exercised the cache or a plain reload (both must work).
  test.info().annotations.push({
    type: 'bfcache',
    description: String(
      await page.evaluate(() => (globalThis as { __restored?: boolean }).__restored === true),
    ),
  })
})
