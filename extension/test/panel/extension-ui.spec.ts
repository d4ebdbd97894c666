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
