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

test('the relay delivers the page agent batches, with creation lines, to the panel tab', async ({
  openTab,
  openPanel,
}) => {
  const { page, tabId } = await openTab(site.url('/leaky.html'))
  const panel = await openPanel(tabId)
  const hello = await panel.waitFor((m) => m.type === 'agent' && m.frameId === 0)
  expect(hello).toMatchObject({ url: site.url('/leaky.html'), compatible: true })

  await page.click('#mount')
  await expect
    .poll(async () => [...liveItems(await panel.messages()).values()].map((i) => i.kind).sort())
    .toEqual(expect.arrayContaining(['interval', 'listener']))
  const live = [...liveItems(await panel.messages()).values()]
  const interval = live.find((i) => i.kind === 'interval')
  expect(interval?.creationStack?.[0]).toMatchObject({
    functionName: expect.stringContaining('mount'),
    url: site.url('/leaky.js'),
    line: lineOf(leakyScript, 'leaky interval'),
  })
  const listener = live.find((i) => i.kind === 'listener' && i.name === 'onResize')
  expect(listener?.creationStack?.[0]?.line).toBe(lineOf(leakyScript, 'leaky listener'))
  // A normal page: no errors on the way.
  expect((await panel.messages()).filter((m) => m.type === 'error')).toEqual([])
  // Nothing of the extension's own (the shim's listener and timers use the natives).
  for (const item of live) {
    for (const frame of item.creationStack ?? []) {
      expect(frame.url).not.toMatch(/^chrome-extension:/)
    }
  }
})

test('every frame reports with its own frame id', async ({ openTab, openPanel }) => {
  const { tabId } = await openTab(site.url('/frames.html'))
  const panel = await openPanel(tabId)
  const child = await panel.waitFor((m) => m.type === 'agent' && m.frameId !== 0)
  expect(child).toMatchObject({ url: site.url('/other.html') })
  const frameId = (child as Extract<ToPanel, { type: 'agent' }>).frameId
  await expect
    .poll(async () => [...liveItems(await panel.messages(), frameId).values()].map((i) => i.name))
    .toContain('otherTick')
})
