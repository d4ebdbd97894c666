// Every leak route of the playground, mounted and unmounted in real Chromium with the agent
// injected by @leakscope/playwright: the leaky widget fails toHaveNoLeaks naming the kind and the
// line marked `// LEAK` in its source; the fixed widget passes.
import type { Page } from '@playwright/test'
import { creator, expect, failureOf, leakscope, leakSite, siteText, test } from './fixtures.js'

interface TaskRoute {
  path: string
  source: string
  kind: string
  /** What the report calls the item (callback name, or the kind). */
  name: string
  detail?: string | RegExp
  /** Waits until the mounted widget did its thing (e.g. the echo arrived). */
  mounted?: (page: Page, variant: 'leaky' | 'fixed') => Promise<void>
}

const taskRoutes: TaskRoute[] = [
  { path: '/interval', source: 'src/routes/interval.ts', kind: 'interval', name: 'showTime' },
  {
    path: '/listener',
    source: 'src/routes/listener.ts',
    kind: 'listener',
    name: 'showWidth',
    detail: "'resize' on window",
  },
  {
    path: '/observer',
    source: 'src/routes/observer.ts',
    kind: 'observer',
    name: 'showSize',
    detail: 'ResizeObserver',
  },
  {
    path: '/websocket',
    source: 'src/routes/websocket.ts',
    kind: 'websocket',
    name: 'websocket',
    detail: /^ws:\/\/127\.0\.0\.1:\d+\/__playground\/echo$/,
    mounted: (page, variant) =>
      expect(page.getByTestId(`echo-${variant}`)).toHaveText(
        `echo: hello from the ${variant} widget`,
      ),
  },
  {
    path: '/fetch',
    source: 'src/routes/fetch.ts',
    kind: 'fetch',
    name: 'fetch',
    detail: 'GET /__playground/slow',
  },
  {
    path: '/camera',
    source: 'src/routes/camera.ts',
    kind: 'media-stream',
    name: 'getUserMedia',
    detail: 'getUserMedia: video track live',
    mounted: (page, variant) =>
      expect(page.getByTestId(`camera-${variant}`)).toHaveText('camera on'),
  },
]

async function mountAndUnmount(page: Page, variant: 'leaky' | 'fixed', route?: TaskRoute) {
  await page.getByTestId(`mount-${variant}`).click()
  await expect(page.getByTestId(`state-${variant}`)).toHaveText('mounted')
  await route?.mounted?.(page, variant)
  await page.getByTestId(`unmount-${variant}`).click()
  await expect(page.getByTestId(`state-${variant}`)).toHaveText('unmounted')
}

for (const route of taskRoutes) {
  test.describe(route.path, () => {
    test(`the leaky widget leaks one ${route.kind}, at its LEAK line`, async ({
      page,
      baseURL,
    }) => {
      await page.goto(route.path)
      const scope = await leakscope.start(page)
      await mountAndUnmount(page, 'leaky', route)

      const message = await failureOf(expect(scope).toHaveNoLeaks())
      const report = await scope.report()
      const site = leakSite(route.source)
      expect(report.workers).toEqual([])
      expect(report.tasks).toHaveLength(1)
      const [task] = report.tasks
      expect(task).toMatchObject({ kind: route.kind, name: route.name })
      if (route.detail !== undefined) expect(task?.detail).toMatch(route.detail)
      expect(creator(task ?? {})).toMatchObject({
        url: new URL(route.source, baseURL).href,
        line: site.line,
      })
      expect(message).toContain('Detected 1 leaked task')
      expect(message).toContain(`Leaked task: ${route.kind} "${route.name}"`)
      expect(message).toContain(siteText(site))
    })

    test('the fixed widget passes', async ({ page }) => {
      await page.goto(route.path)
      const scope = await leakscope.start(page)
      await mountAndUnmount(page, 'fixed', route)
      await expect(scope).toHaveNoLeaks()
    })
  })
}

test.describe('/worker', () => {
  const source = 'src/routes/worker.ts'

  test('the leaky widget leaks its worker, at its LEAK line', async ({ page, baseURL }) => {
    await page.goto('/worker')
    const scope = await leakscope.start(page)
    await page.getByTestId('mount-leaky').click()
    // The worker runs: its count reaches the page.
    await expect(page.getByTestId('count-leaky')).not.toHaveText('0')
    await page.getByTestId('unmount-leaky').click()

    await expect(scope).not.toHaveNoLeaks()
    const report = await scope.report()
    const site = leakSite(source)
    expect(report.tasks).toEqual([])
    expect(report.workers).toHaveLength(1)
    const [worker] = report.workers
    expect(worker).toMatchObject({ kind: 'worker', name: 'ticker' })
    expect(worker?.url).toBe(new URL('src/workers/ticker.ts', baseURL).href)
    expect(creator(worker ?? {})).toMatchObject({
      url: new URL(source, baseURL).href,
      line: site.line,
    })
  })

  test('the message names the worker and its line', async ({ page }) => {
    await page.goto('/worker')
    const scope = await leakscope.start(page)
    await mountAndUnmount(page, 'leaky')
    const message = await failureOf(expect(scope).toHaveNoLeaks())
    expect(message).toContain('Leaked worker: worker "ticker"')
    expect(message).toContain(siteText(leakSite(source)))
  })

  test('the fixed widget terminates its worker and passes', async ({ page }) => {
    await page.goto('/worker')
    const scope = await leakscope.start(page)
    await page.getByTestId('mount-fixed').click()
    await expect(page.getByTestId('count-fixed')).not.toHaveText('0')
    await page.getByTestId('unmount-fixed').click()
    await expect(scope).toHaveNoLeaks()
  })
})

test.describe('/react (StrictMode)', () => {
  const source = 'src/routes/react.tsx'

  test('an effect without cleanup leaks an interval per effect run: two under StrictMode', async ({
    page,
    baseURL,
  }) => {
    await page.goto('/react')
    const scope = await leakscope.start(page)
    await page.getByTestId('mount-leaky').click()
    await expect(page.getByTestId('ticker-leaky')).toBeVisible()
    await page.getByTestId('unmount-leaky').click()
    await expect(page.getByTestId('ticker-leaky')).toHaveCount(0)

    const message = await failureOf(expect(scope).toHaveNoLeaks())
    const report = await scope.report()
    const site = leakSite(source)
    expect(report.workers).toEqual([])
    expect(report.tasks.map((t) => [t.kind, t.name])).toEqual([
      ['interval', 'tick'],
      ['interval', 'tick'],
    ])
    for (const task of report.tasks)
      expect(creator(task)).toMatchObject({ url: new URL(source, baseURL).href, line: site.line })
    expect(message).toContain('Detected 2 leaked tasks')
    expect(message).toContain(siteText(site))
  })

  test('an effect that returns its cleanup passes (StrictMode runs it twice)', async ({ page }) => {
    await page.goto('/react')
    const scope = await leakscope.start(page)
    await page.getByTestId('mount-fixed').click()
    await expect(page.getByTestId('ticker-fixed')).toBeVisible()
    await page.getByTestId('unmount-fixed').click()
    await expect(page.getByTestId('ticker-fixed')).toHaveCount(0)
    await expect(scope).toHaveNoLeaks()
  })

  test('.not: the leaky ticker passes .not, the fixed one fails it', async ({ page }) => {
    await page.goto('/react')
    const leaky = await leakscope.start(page)
    await mountAndUnmount(page, 'leaky')
    await expect(leaky).not.toHaveNoLeaks()

    const fixed = await leakscope.start(page)
    await mountAndUnmount(page, 'fixed')
    const message = await failureOf(expect(fixed).not.toHaveNoLeaks())
    expect(message).toContain('Expected leaks')
  })
})

test('the home page links every route, and each route page has both widgets', async ({ page }) => {
  await page.goto('/')
  const paths = await page
    .locator('main a')
    .evaluateAll((links) => links.map((link) => new URL((link as HTMLAnchorElement).href).pathname))
  expect(paths).toEqual([
    '/interval',
    '/listener',
    '/observer',
    '/websocket',
    '/worker',
    '/fetch',
    '/camera',
    '/blocking',
    '/react',
  ])
  for (const path of paths) {
    await page.goto(path)
    await expect(page.locator('#app')).toHaveAttribute('data-ready', 'true')
    for (const id of ['mount-leaky', 'unmount-leaky', 'mount-fixed', 'unmount-fixed'])
      await expect(page.getByTestId(id)).toBeVisible()
  }
})
