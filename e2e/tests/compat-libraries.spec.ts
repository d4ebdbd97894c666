// Pages built with Vue 3, Preact (+ hooks) and jQuery, loaded from node_modules without a bundler,
// with the agent injected by @leakscope/playwright. For each: the page still works with the agent
// in it, the leaky widget fails toHaveNoLeaks naming each kind and its `// LEAK <label>` line, the
// fixed widget passes, and no page errors (the fixture checks that).
import type { Page } from '@playwright/test'
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
  type Variant,
} from './compat-fixtures.js'

interface Leak {
  kind: string
  /** The marker's label: the line has `// LEAK <label>`. */
  label: string
  /** What the report calls it (the callback's name). */
  name: string
  detail?: string
  /** True when the library's own frames come before the page's line in the creation stack. */
  throughLibrary?: boolean
}

interface Library {
  title: string
  path: string
  file: string
  leaks: Leak[]
  /** Checks, while the widget is mounted, that the page does what it should. */
  works(page: Page, variant: Variant): Promise<void>
}

/** The widget reacts: its timer ticks, its click handler runs, a resize reaches it. */
async function reacts(page: Page, variant: Variant): Promise<void> {
  await expect(page.getByTestId(`ticks-${variant}`)).not.toHaveText('ticks: 0')
  await clicksAndResizes(page, variant)
}

async function clicksAndResizes(page: Page, variant: Variant): Promise<void> {
  await page.getByTestId(`click-${variant}`).click()
  await expect(page.getByTestId(`click-${variant}`)).toHaveText('clicked 1')
  const width = (page.viewportSize()?.width ?? 1280) - 17
  await page.setViewportSize({ width, height: page.viewportSize()?.height ?? 720 })
  await expect(page.getByTestId(`width-${variant}`)).toHaveText(`width: ${width}`)
}

const libraries: Library[] = [
  {
    title: 'Vue 3 (onMounted / onUnmounted)',
    path: '/vue.html',
    file: 'vue-app.js',
    leaks: [
      { kind: 'interval', label: 'interval', name: 'tick' },
      { kind: 'listener', label: 'listener', name: 'measure', detail: "'resize' on window" },
    ],
    works: reacts,
  },
  {
    title: 'Preact (useEffect with and without cleanup)',
    path: '/preact.html',
    file: 'preact-app.js',
    leaks: [
      { kind: 'interval', label: 'interval', name: 'tick' },
      { kind: 'listener', label: 'listener', name: 'measure', detail: "'resize' on window" },
    ],
    works: reacts,
  },
  {
    title: 'jQuery ($(window).on, $.get)',
    path: '/jquery.html',
    file: 'jquery-app.js',
    leaks: [
      // jQuery registers one function of its own per element and event type and dispatches to
      // the handlers it keeps: the agent sees that one, registered from jQuery's code.
      {
        kind: 'listener',
        label: 'listener',
        name: 'anonymous',
        detail: "'resize' on window",
        throughLibrary: true,
      },
    ],
    async works(page, variant) {
      await expect(page.getByTestId(`echo-${variant}`)).toHaveText(`echo: jquery ${variant}`)
      await clicksAndResizes(page, variant)
    },
  },
]

for (const library of libraries) {
  test.describe(library.title, () => {
    test('the leaky widget leaks, named at its LEAK lines', async ({ page, baseURL }) => {
      await openPage(page, library.path)
      const scope = await leakscope.start(page)
      await mountAndUnmount(page, 'leaky', () => library.works(page, 'leaky'))

      const message = await failureOf(expect(scope).toHaveNoLeaks())
      const report = await scope.report()
      expect(report.workers).toEqual([])
      expect(report.tasks.map((t) => [t.kind, t.name, t.detail])).toEqual(
        library.leaks.map((l) => [l.kind, l.name, l.detail]),
      )
      expect(message).toContain(`Detected ${library.leaks.length} leaked task`)
      for (const [index, leak] of library.leaks.entries()) {
        const site = leakSite(library.file, leak.label)
        const stack = report.tasks[index]?.creationStack
        const frame = frameAt(stack, site, baseURL)
        expect(frame).toBeDefined()
        if (leak.throughLibrary !== true) expect(stack?.[0]).toBe(frame)
        expect(message).toContain(`Leaked task: ${leak.kind} "${leak.name}"`)
        expect(message).toContain(siteText(site))
      }
    })

    test('the fixed widget works and passes', async ({ page }) => {
      await openPage(page, library.path)
      const scope = await leakscope.start(page)
      await mountAndUnmount(page, 'fixed', () => library.works(page, 'fixed'))
      await expect(scope).toHaveNoLeaks()
    })
  })
}

// A known limit, pinned so that e2e/README.md stays true: jQuery binds one DOM listener of its own
// per element and event type and dispatches to the handlers it keeps, so a handler leaked next to
// an earlier one of the same type on the same element adds no DOM listener, and is not seen.
test('known limit: a jQuery handler bound next to an earlier one of its type is not seen', async ({
  page,
}) => {
  await openPage(page, '/jquery.html')
  await page.evaluate(() => {
    const $ = (
      globalThis as unknown as { jQuery: (target: unknown) => { on(...args: unknown[]): void } }
    ).jQuery
    $(globalThis).on('resize', function appLevel() {})
  })
  const scope = await leakscope.start(page)
  await mountAndUnmount(page, 'leaky', () =>
    expect(page.getByTestId('echo-leaky')).toHaveText('echo: jquery leaky'),
  )
  expect((await scope.report()).tasks).toEqual([])
})
