// The real panel UI in a tab (tab host), fed by the real extension: agent, shim, relay, worker.
import { lineOf, startPlayground, type Playground } from 'leakscope-playground/server'
import { expect, test } from './fixtures.js'

let playground: Playground
test.beforeAll(async () => {
  playground = await startPlayground({ port: 0 })
})
test.afterAll(async () => {
  await playground.close()
})

test('the panel lists the leaked interval at its line; the link asks for it 0-based', async ({
  openTab,
  openPanel,
}) => {
  const { page, tabId } = await openTab(new URL('interval', playground.url).href)
  await page.locator('main[data-ready="true"]').waitFor()
  const panel = await openPanel(tabId)
  await page.getByTestId('mount-leaky').click()
  await page.getByTestId('unmount-leaky').click()

  const line = lineOf('src/routes/interval.ts', '// LEAK')
  const row = panel.page.locator('.live-list .vlist-row', { hasText: 'showTime' })
  await expect(row).toBeVisible()
  await expect(row.locator('.kind')).toHaveText('interval')
  const link = row.locator('.where button.link')
  await expect(link).toHaveText(new RegExp(`^interval\\.ts:${line}:\\d+$`))
  const column = Number((await link.textContent())?.split(':')[2])
  await link.click()
  expect(
    await panel.page.evaluate(() => structuredClone(globalThis.__leakscopeTabHost?.opened)),
  ).toEqual([
    {
      url: new URL('src/routes/interval.ts', playground.url).href,
      line0: line - 1,
      column0: column - 1,
    },
  ])
})

test('Start/Stop in the panel records what the page leaked in between', async ({
  openTab,
  openPanel,
}) => {
  const { page, tabId } = await openTab(new URL('listener', playground.url).href)
  await page.locator('main[data-ready="true"]').waitFor()
  const panel = await openPanel(tabId)
  await panel.page.getByRole('button', { name: 'Start' }).click()
  await expect(panel.page.getByRole('button', { name: 'Stop' })).toBeVisible()
  await page.getByTestId('mount-leaky').click()
  await page.getByTestId('unmount-leaky').click()
  await panel.page.getByRole('button', { name: 'Stop' }).click()
  const line = lineOf('src/routes/listener.ts', '// LEAK')
  await expect(
    panel.page.getByRole('button', { name: new RegExp(`listener\\.ts:${line}:`) }).first(),
  ).toBeVisible()
})
