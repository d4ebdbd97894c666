// The panel UI on the real extension: panel.html?tab=ID in a normal tab with the extension's tab
// host, fed by the content scripts and the service worker (no test host in between).
import { expect, test } from '../fixtures.js'
import { position, serve, type Site } from './harness.js'
import { pages } from './pages.js'

let site: Site
test.beforeAll(async () => {
  site = await serve(pages)
})
test.afterAll(async () => {
  await site.close()
})

test('through the extension: live interval with its line, then a recorded leak', async ({
  openTab,
  openPanel,
}) => {
  const page = pages['/app/widget.html']!
  const { page: app, tabId } = await openTab(`${site.origin}/app/widget.html`)
  const { page: panel } = await openPanel(tabId)

  const poll = panel.locator('.live-list .vlist-row', { hasText: 'poll' })
  const pollAt = position(page, '// before recording', 'setInterval')
  await expect(poll.locator('.where')).toHaveText(`widget.html:${pollAt.line}:${pollAt.column}`)
  await expect(panel.locator('.status-text')).toHaveText(/^Agent .* · protocol 2 · 1 frame$/)

  await panel.getByRole('button', { name: 'Start' }).click()
  await expect(panel.getByRole('button', { name: 'Stop' })).toBeVisible()
  await app.click('#mount')
  await panel.getByRole('button', { name: 'Stop' }).click()
  const tick = panel.locator('.report-list .vlist-row', { hasText: 'tick' })
  const tickAt = position(page, '// leaky interval', 'setInterval')
  await expect(tick.locator('.where')).toHaveText(`widget.html:${tickAt.line}:${tickAt.column}`)
  await expect(panel.locator('.report-list .vlist-row', { hasText: 'poll' })).toHaveCount(0)

  // The tab host records what the panel asked Sources to open.
  await tick.locator('.where button.link').click()
  expect(await panel.evaluate(() => globalThis.__leakscopeTabHost?.opened.at(-1))).toEqual({
    url: `${site.origin}/app/widget.html`,
    line0: tickAt.line - 1,
    column0: tickAt.column - 1,
  })
})

test('through the extension: after the service worker restarts, nothing is listed twice', async ({
  context,
  openTab,
  openPanel,
}) => {
  const { page: app, tabId } = await openTab(`${site.origin}/app/widget.html`)
  const { page: panel } = await openPanel(tabId)
  const tab = (name: RegExp) => panel.getByRole('tab', { name }).locator('.tab-count')
  await expect(panel.locator('.live-list .vlist-row', { hasText: 'poll' })).toBeVisible()
  await panel.getByRole('button', { name: 'Start' }).click()
  await expect(panel.getByRole('button', { name: 'Stop' })).toBeVisible()
  await app.click('#mount')
  await app.click('#block')
  await panel.getByRole('button', { name: 'Stop' }).click()
  await expect(panel.locator('.report-list .vlist-row', { hasText: 'tick' })).toBeVisible()
  await expect(panel.locator('.frame-list .vlist-row .invoker', { hasText: 'block' })).toHaveCount(
    1,
  )
  const before = { live: await tab(/Live/).textContent() }
  // The long frames the tab host received, each counted once (a replay repeats their ids).
  const distinctFrames = () =>
    panel.evaluate(() => {
      const ids = (globalThis.__leakscopeTabHost?.received ?? []).flatMap((m) =>
        m.type === 'batch' ? m.batch.longFrames.map((frame) => frame.id) : [],
      )
      return String(new Set(ids).size)
    })

  // Chrome stops idle extension workers at will; CDP does the same on demand. The new
  // subscription's first batch replays the page's long frames and reports.
  const cdp = await context.browser()!.newBrowserCDPSession()
  const { targetInfos } = await cdp.send('Target.getTargets')
  const worker = targetInfos.find(
    (t) => t.type === 'service_worker' && t.url.startsWith('chrome-extension://'),
  )
  await cdp.send('Target.closeTarget', { targetId: worker?.targetId ?? '' })
  await expect
    .poll(() => panel.evaluate(() => globalThis.__leakscopeTabHost?.statuses.join(',')))
    .toBe('connected,disconnected,connected')
  await expect
    .poll(() =>
      panel.evaluate(
        () =>
          globalThis.__leakscopeTabHost?.received.filter(
            (m) => m.type === 'batch' && m.batch.seq === 1,
          ).length,
      ),
    )
    .toBe(2)

  await expect(panel.locator('.connection')).toBeHidden()
  await expect(tab(/Recordings/)).toHaveText('1')
  // Not the count from before the restart: on a busy machine an unrelated long frame (a slow
  // timer, a paint) can arrive meanwhile. Each frame the page reported is listed once.
  await expect(async () => {
    await expect(tab(/Long frames/)).toHaveText(await distinctFrames(), { timeout: 1000 })
  }).toPass()
  await expect(panel.locator('.frame-list .vlist-row .invoker', { hasText: 'block' })).toHaveCount(
    1,
  )
  await expect(tab(/Live/)).toHaveText(before.live ?? '')
})
