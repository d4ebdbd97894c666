// The panel page in a normal tab, fed by a real leakscope agent in a real page (see harness.ts).
// Hand-made messages only where the panel's input is the point: an incompatible agent, a lost
// connection, and hostile strings.
import { expect, test } from '@playwright/test'
import { readFile } from 'node:fs/promises'
import { openPanel, position, serve, type Site } from './harness.js'
import { pages } from './pages.js'

// A plain browser (no extension): the panel page is served over http with a test host.
test.use({ launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' } })

let site: Site
test.beforeAll(async () => {
  site = await serve(pages)
})
test.afterAll(async () => {
  await site.close()
})

const url = (path: string): string => `${site.origin}${path}`

test('live list shows an interval with its creation line, and its link opens it 0-based', async ({
  context,
}) => {
  const h = await openPanel(context, site, url('/app/live.html'))
  const at = position(pages['/app/live.html']!, '// live interval', 'setInterval')
  const row = h.panel.locator('.live-list .vlist-row', { hasText: 'poll' })
  await expect(row).toBeVisible()
  await expect(row.locator('.kind')).toHaveText('interval')
  await expect(row.locator('.state')).toHaveText('repeating')
  const link = row.locator('.where button.link')
  await expect(link).toHaveText(`live.html:${at.line}:${at.column}`)

  await link.click()
  expect(await h.opened()).toEqual([
    { url: url('/app/live.html'), line0: at.line - 1, column0: at.column - 1 },
  ])

  // The details pane lists the whole creation stack, every frame a link.
  await row.click()
  const details = h.panel.locator('.live-details')
  await expect(details.locator('.details-title')).toContainText('poll')
  await expect(details.locator('.stack button.link').first()).toHaveText(
    `live.html:${at.line}:${at.column}`,
  )
  // The listener is listed too, and the chart's legend counts both kinds.
  await expect(h.panel.locator('.live-list .vlist-row', { hasText: 'onMessage' })).toBeVisible()
  await expect(h.panel.locator('.legend-item', { hasText: 'interval' })).toBeVisible()
  await expect(h.panel.locator('.legend-item', { hasText: 'listener' })).toBeVisible()
})

test('a host that cannot open sources (Firefox) gets links that say they copy', async ({
  context,
}) => {
  const h = await openPanel(context, site, url('/app/live.html'), { canOpenResource: false })
  const at = position(pages['/app/live.html']!, '// live interval', 'setInterval')
  const link = h.panel
    .locator('.live-list .vlist-row', { hasText: 'poll' })
    .locator('.where button.link')
  await expect(link).toHaveText(`live.html:${at.line}:${at.column}`)
  await expect(link).toHaveAttribute(
    'title',
    `Copy ${url('/app/live.html')}:${at.line}:${at.column}`,
  )
  await link.click()
  expect(await h.opened()).toEqual([
    { url: url('/app/live.html'), line0: at.line - 1, column0: at.column - 1 },
  ])
})

test('the DevTools host without panels.openResource (Firefox) copies the location', async ({
  page,
}) => {
  // The real createPanelHost() → createDevtoolsHost(), on a stand-in for Firefox's DevTools
  // namespace: no `panels.openResource`; a port that answers like the worker.
  await page.addInitScript(() => {
    const copied: string[] = []
    Object.assign(globalThis, { __copied: copied })
    Object.defineProperty(navigator, 'clipboard', {
      value: { writeText: async (text: string) => void copied.push(text) },
    })
    type Listener = (message: unknown) => void
    const connect = () => {
      const listeners: Listener[] = []
      const emit = (message: unknown) => setTimeout(() => listeners.forEach((l) => l(message)))
      return {
        onMessage: { addListener: (listener: Listener) => listeners.push(listener) },
        onDisconnect: { addListener: () => {} },
        disconnect: () => {},
        postMessage(message: { type: string }) {
          if (message.type !== 'panel-init') return
          emit({ type: 'panel-ready' })
          emit({
            type: 'agent',
            frameId: 0,
            url: 'https://example.test/',
            protocol: 2,
            version: '1',
            compatible: true,
          })
          emit({
            type: 'batch',
            frameId: 0,
            batch: {
              seq: 1,
              time: Date.now(),
              counts: { interval: 1 },
              added: [
                {
                  id: 1,
                  kind: 'interval',
                  name: 'poll',
                  state: 'repeating',
                  createdAt: Date.now(),
                  creationStack: [
                    {
                      functionName: 'start',
                      url: 'https://example.test/app.js',
                      line: 12,
                      column: 5,
                    },
                  ],
                },
              ],
              removed: [],
              truncated: 0,
              longFrames: [],
              reports: [],
            },
          })
        },
      }
    }
    Object.defineProperty(globalThis, 'chrome', {
      configurable: true,
      value: {
        runtime: { connect, lastError: undefined },
        devtools: { inspectedWindow: { tabId: 7 }, panels: { themeName: 'dark' } },
      },
    })
  })
  await page.goto(url('/panel/panel.html'))
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark')
  const link = page
    .locator('.live-list .vlist-row', { hasText: 'poll' })
    .locator('.where button.link')
  await expect(link).toHaveText('app.js:12:5')
  await expect(link).toHaveAttribute('title', 'Copy https://example.test/app.js:12:5')
  await link.click()
  await expect
    .poll(() => page.evaluate(() => (globalThis as { __copied?: string[] }).__copied))
    .toEqual(['https://example.test/app.js:12:5'])
})

test('Cancel item clears it in the page', async ({ context }) => {
  const h = await openPanel(context, site, url('/app/live.html'))
  const row = h.panel.locator('.live-list .vlist-row', { hasText: 'poll' })
  await row.click()
  await h.panel.getByRole('button', { name: 'Cancel item' }).click()
  await expect(row).toHaveCount(0)
  expect(h.sent).toEqual([{ type: 'cancel', frameId: 0, id: expect.any(Number), kind: 'interval' }])
  expect(
    await h.app.evaluate(() => globalThis.__LEAKSCOPE_AGENT__!.live().map((item) => item.name)),
  ).not.toContain('poll')
  await expect(h.panel.locator('.live-details')).toContainText('no longer pending')
})

test('record Start/Stop shows what was created in between and is still alive', async ({
  context,
}) => {
  const page = pages['/app/widget.html']!
  const h = await openPanel(context, site, url('/app/widget.html'))
  await expect(h.panel.locator('.live-list .vlist-row', { hasText: 'poll' })).toBeVisible()

  await h.panel.getByRole('button', { name: 'Start' }).click()
  await expect(h.panel.getByRole('button', { name: 'Stop' })).toBeVisible()
  await h.app.click('#mount')
  await h.app.waitForTimeout(50) // the 10 ms timeout has fired
  await h.panel.getByRole('button', { name: 'Stop' }).click()
  expect(h.sent.map((m) => m.type)).toEqual(['record-start', 'record-stop'])

  await expect(h.panel.getByRole('tab', { name: /Recordings/ })).toHaveAttribute(
    'aria-selected',
    'true',
  )
  const rows = h.panel.locator('.report-list .vlist-row')
  const tick = rows.filter({ hasText: 'tick' })
  const resize = rows.filter({ hasText: 'onResize' })
  await expect(tick).toBeVisible()
  await expect(resize).toBeVisible()
  const intervalAt = position(page, '// leaky interval', 'setInterval')
  const listenerAt = position(page, '// leaky listener', 'addEventListener')
  await expect(tick.locator('.where')).toHaveText(
    `widget.html:${intervalAt.line}:${intervalAt.column}`,
  )
  await expect(resize.locator('.where')).toHaveText(
    `widget.html:${listenerAt.line}:${listenerAt.column}`,
  )
  // Created before Start, or gone by Stop: not in the recording.
  await expect(rows.filter({ hasText: 'poll' })).toHaveCount(0)
  await expect(rows.filter({ hasText: 'done' })).toHaveCount(0)
  await expect(h.panel.locator('.report-summary')).toContainText('still alive')
  await expect(h.panel.locator('.entry.selected')).toContainText('Recording 1')

  // The leak's link opens its creation line, 0-based.
  await tick.locator('.where button.link').click()
  expect((await h.opened()).at(-1)).toEqual({
    url: url('/app/widget.html'),
    line0: intervalAt.line - 1,
    column0: intervalAt.column - 1,
  })
})

test('filter by kind and text, then clear', async ({ context }) => {
  const h = await openPanel(context, site, url('/app/widget.html'))
  const live = h.panel.locator('.live-list .vlist-row')
  await expect(live.filter({ hasText: 'poll' })).toBeVisible()
  await expect(live.filter({ hasText: 'listener' }).first()).toBeVisible()

  await h.panel.getByLabel('Filter by kind').selectOption('interval')
  await expect(live.filter({ hasText: 'poll' })).toBeVisible()
  await expect(live.filter({ hasText: 'listener' })).toHaveCount(0)
  await h.panel.getByLabel('Filter by kind').selectOption('')
  await expect(live.filter({ hasText: 'listener' }).first()).toBeVisible()

  await h.panel.getByLabel('Filter by text').fill('POLL')
  await expect(live).toHaveCount(1)
  await expect(live.first()).toContainText('poll')
  await h.panel.getByLabel('Filter by text').fill('no such thing')
  await expect(live).toHaveCount(0)
  await expect(h.panel.locator('.live-list .vlist-empty')).toHaveText(/matches the filter/)
  await h.panel.getByLabel('Filter by text').fill('')

  // A recording with two leaks; the filters apply to it too; Clear removes it.
  await h.panel.getByRole('button', { name: 'Start' }).click()
  await expect(h.panel.getByRole('button', { name: 'Stop' })).toBeVisible()
  await h.app.click('#mount')
  await h.panel.getByRole('button', { name: 'Stop' }).click()
  const report = h.panel.locator('.report-list .vlist-row')
  await expect(report.filter({ hasText: 'tick' })).toBeVisible()
  await h.panel.getByLabel('Filter by kind').selectOption('listener')
  await expect(report.filter({ hasText: 'tick' })).toHaveCount(0)
  await expect(report.filter({ hasText: 'onResize' })).toBeVisible()
  await h.panel.getByLabel('Filter by kind').selectOption('')
  await h.panel.getByLabel('Filter by text').fill('tick')
  await expect(report).toHaveCount(1)
  await h.panel.getByLabel('Filter by text').fill('')

  await h.panel.getByRole('button', { name: 'Clear' }).click()
  await expect(report).toHaveCount(0)
  await expect(h.panel.locator('.entry')).toHaveCount(0)
  await expect(h.panel.getByRole('tab', { name: /Recordings/ }).locator('.tab-count')).toHaveText(
    '0',
  )
})

test('export writes the current report as JSON', async ({ context }) => {
  const h = await openPanel(context, site, url('/app/widget.html'))
  await expect(h.panel.locator('.live-list .vlist-row', { hasText: 'poll' })).toBeVisible()
  await h.panel.getByRole('button', { name: 'Start' }).click()
  await expect(h.panel.getByRole('button', { name: 'Stop' })).toBeVisible()
  await h.app.click('#mount')
  await h.panel.getByRole('button', { name: 'Stop' }).click()
  await expect(h.panel.locator('.report-list .vlist-row', { hasText: 'tick' })).toBeVisible()

  const [download] = await Promise.all([
    h.panel.waitForEvent('download'),
    h.panel.getByRole('button', { name: 'Export JSON' }).click(),
  ])
  expect(download.suggestedFilename()).toMatch(/^leakscope-recording-.*\.json$/)
  const json = JSON.parse(await readFile(await download.path(), 'utf8')) as {
    format: string
    reports: {
      frameId: number
      origin: string
      url: string
      report: {
        tasks: { kind: string; name: string; creationStack?: { url: string; line: number }[] }[]
      }
    }[]
  }
  expect(json.format).toBe('leakscope-recording')
  expect(json.reports).toHaveLength(1)
  const [report] = json.reports
  expect(report!.origin).toBe('agent')
  expect(report!.url).toBe(url('/app/widget.html'))
  const tick = report!.report.tasks.find((task) => task.name === 'tick')
  expect(tick?.kind).toBe('interval')
  expect(tick?.creationStack?.[0]).toMatchObject({
    url: url('/app/widget.html'),
    line: position(pages['/app/widget.html']!, '// leaky interval', 'setInterval').line,
  })
  expect(report!.report.tasks.map((task) => task.name)).not.toContain('poll')
})

test('long frames: duration, blocking and LoAF attribution, with source links', async ({
  context,
}) => {
  const h = await openPanel(context, site, url('/app/widget.html'))
  await expect(h.panel.locator('.live-list .vlist-row', { hasText: 'poll' })).toBeVisible()
  await h.app.click('#block')
  await h.panel.getByRole('tab', { name: /Long frames/ }).click()
  // Newest first; under load the page can have other long frames (a slow paint after the
  // click), so the row is found by its invoker, not by its place.
  const row = h.panel
    .locator('.frame-list .vlist-row')
    .filter({ has: h.panel.locator('.invoker', { hasText: 'block' }) })
    .first()
  await expect(row).toBeVisible()
  const duration = Number((await row.locator('.duration').textContent())?.replace(' ms', ''))
  const blocking = Number((await row.locator('.blocking').textContent())?.replace(' ms', ''))
  expect(duration).toBeGreaterThanOrEqual(150)
  expect(blocking).toBeCloseTo(duration - 50, 0)

  await row.click()
  const details = h.panel.locator('.frame-details')
  const script = details.locator('.attribution tr', { hasText: 'busy' })
  await expect(script).toBeVisible()
  await expect(script).toContainText('event-listener')
  // The link shows the 1-based position and opens it 0-based.
  const attribution = await h.app.evaluate(() =>
    globalThis
      .__LEAKSCOPE_AGENT__!.longFrames()
      .flatMap((frame) => frame.attribution ?? [])
      .find((a) => a.sourceFunctionName === 'busy'),
  )
  expect(attribution?.sourceURL).toBe(url('/app/widget.html'))
  // LoAF counts an inline script's position from its <script> element; the agent finds the
  // element, so the line is the handler's own line in the page.
  expect(attribution?.line).toBe(position(pages['/app/widget.html']!, 'function busy', 'busy').line)
  const { line, column } = attribution as { line: number; column: number }
  const link = script.locator('button.link')
  await expect(link).toHaveText(`widget.html:${line}:${column}`)
  await link.click()
  expect((await h.opened()).at(-1)).toEqual({
    url: url('/app/widget.html'),
    line0: line - 1,
    column0: column - 1,
  })

  // A recording (blocking: true) lists the long frames that happened during it.
  await h.panel.getByRole('button', { name: 'Start' }).click()
  await expect(h.panel.getByRole('button', { name: 'Stop' })).toBeVisible()
  await h.app.click('#block')
  await h.panel.getByRole('button', { name: 'Stop' }).click()
  await expect(h.panel.locator('.report-blocks .section-title')).toHaveText(
    /Long frames during the recording \(\d+\)/,
  )
  const recorded = h.panel.locator('.report-blocks .vlist-row .invoker', { hasText: 'block' })
  await expect(recorded).toHaveCount(1)
})

test("the app's own leakscope scopes show up as 'app' reports", async ({ context }) => {
  const h = await openPanel(context, site, url('/app/bundled.html'))
  await expect(h.app).toHaveTitle('checked')
  await h.panel.getByRole('tab', { name: /Recordings/ }).click()
  const entry = h.panel.locator('.entry.entry-app')
  await expect(entry).toContainText('App scope 1')
  await entry.click()
  const row = h.panel.locator('.report-list .vlist-row', { hasText: 'appLeak' })
  const at = position(pages['/app/bundled.html']!, '// app leak', 'setTimeout')
  await expect(row.locator('.where')).toHaveText(`bundled.html:${at.line}:${at.column}`)
  await expect(h.panel.locator('.report-summary')).toContainText('page’s own leakscope')
})

test('an agent that speaks another protocol gets a clear message', async ({ context }) => {
  const h = await openPanel(context, site, url('/app/live.html'), { compatibleOverride: 3 })
  const banner = h.panel.locator('.incompatible')
  await expect(banner).toBeVisible()
  await expect(banner).toHaveText(
    /The page’s agent speaks protocol 3, this panel understands protocols 1 and 2\./,
  )
})

test('a recording no frame could take part in says so', async ({ context }) => {
  // No page, no agent: the host confirms the start and the stop with no scopes.
  const h = await openPanel(context, site, undefined)
  await h.panel.getByRole('button', { name: 'Start' }).click()
  await h.deliver({ type: 'recording', state: 'started', scopeIds: {} })
  await h.panel.getByRole('button', { name: 'Stop' }).click()
  await expect(h.panel.locator('.report-list .vlist-empty')).toHaveText(/^Waiting for the page/)
  await h.deliver({ type: 'recording', state: 'stopped', scopeIds: {} })
  await expect(h.panel.locator('.report-list .vlist-empty')).toHaveText(
    /No frame of the page had an agent/,
  )
  await expect(h.panel.locator('.entry.selected')).toContainText('no agent in the page')
  await expect(h.panel.getByRole('button', { name: 'Start' })).toBeEnabled()
})

test('connection status and navigation', async ({ context }) => {
  const h = await openPanel(context, site, url('/app/live.html'))
  const live = h.panel.locator('.live-list .vlist-row')
  await expect(live.filter({ hasText: 'poll' })).toBeVisible()
  await expect(h.panel.locator('.connection')).toBeHidden()

  await h.status('disconnected')
  await expect(h.panel.locator('.connection')).toHaveText(/Disconnected.*Reconnecting/)
  await expect(h.panel.locator('.status-text')).toHaveText('Reconnecting…')
  await h.status('connected')
  await expect(h.panel.locator('.connection')).toBeHidden()

  // The top frame navigates: the live view starts over with the new page's items.
  await h.deliver({ type: 'navigated', url: url('/app/other.html') })
  await expect(live).toHaveCount(0)
  await h.app.goto(url('/app/other.html'))
  await expect(live.filter({ hasText: 'other' })).toBeVisible()
  await expect(live.filter({ hasText: 'poll' })).toHaveCount(0)
})

test('page strings are rendered as text and create no elements or handlers', async ({
  context,
}) => {
  const h = await openPanel(context, site, undefined)
  const markup = '<img src=x onerror="globalThis.__pwned=1"><script>globalThis.__pwned=2</script>'
  const stack = [
    { functionName: markup, url: 'javascript:globalThis.__pwned=3', line: 1, column: 1 },
    { functionName: 'f', url: `https://example.test/${markup}`, line: 7, column: 2 },
    { functionName: 'g', url: 'data:text/html,<script>1</script>', line: 1, column: 1 },
  ]
  await h.deliver({
    type: 'agent',
    frameId: 0,
    url: markup,
    protocol: 2,
    version: markup,
    compatible: true,
  })
  await h.deliver({
    type: 'batch',
    frameId: 0,
    batch: {
      seq: 1,
      time: Date.now(),
      counts: { [markup]: 1, interval: 1 } as never,
      added: [
        {
          id: 1,
          kind: markup as never,
          name: markup,
          state: markup as never,
          detail: markup,
          createdAt: Date.now(),
          creationStack: stack,
        },
      ],
      removed: [],
      truncated: 0,
      longFrames: [
        {
          id: 1,
          duration: 120,
          threshold: 50,
          startTime: Date.now(),
          note: markup,
          source: { url: 'javascript:void 0', line: 1, column: 1, functionName: markup },
          attribution: [
            {
              invoker: markup,
              invokerType: markup,
              sourceURL: markup,
              sourceFunctionName: markup,
              duration: 100,
            },
          ],
        },
      ],
      reports: [
        {
          scopeId: 1,
          origin: 'app',
          label: markup,
          url: markup,
          report: {
            version: 1,
            detector: 'tasks',
            tasks: [
              {
                id: 2,
                kind: 'timeout',
                name: markup,
                state: 'scheduled',
                createdAt: Date.now(),
                creationStack: stack,
              },
            ],
            workers: [],
            blocks: [],
          },
        },
      ],
    },
  })
  await h.deliver({ type: 'error', message: markup })
  const row = h.panel.locator('.live-list .vlist-row').first()
  await expect(row.locator('.name')).toHaveText(markup)
  await row.click()
  await expect(h.panel.locator('.live-details .frame').first()).toContainText(markup)
  await h.panel.getByRole('tab', { name: /Long frames/ }).click()
  await h.panel.locator('.frame-list .vlist-row').first().click()
  await expect(h.panel.locator('.frame-details .attribution')).toContainText(markup)
  await h.panel.getByRole('tab', { name: /Recordings/ }).click()
  await expect(h.panel.locator('.entry').first()).toContainText(markup)
  await h.panel.locator('.entry').first().click()
  await expect(h.panel.locator('.report-list .vlist-row').first()).toContainText(markup)
  await expect(h.panel.locator('.banner.error')).toContainText(markup)

  const audit = await h.panel.evaluate(() => {
    const all = [...document.querySelectorAll('*')]
    return {
      pwned: (globalThis as { __pwned?: unknown }).__pwned,
      injected: document.querySelectorAll('img, iframe, object, embed, body script, #root script')
        .length,
      handlers: all.flatMap((node) =>
        [...node.attributes].filter((a) => a.name.startsWith('on')).map((a) => a.name),
      ),
      hrefs: [...document.querySelectorAll('[href], [src]')]
        .map((node) => node.getAttribute('href') ?? node.getAttribute('src'))
        .filter(
          (value) => value !== null && !/^(\.\.?\/)?assets\/panel-[\w-]+\.(js|css)$/.test(value),
        ),
      styles: all
        .map((node) => node.getAttribute('style') ?? '')
        .filter((style) => style !== '' && !/^(height|transform): [\d.]+px|translateY/.test(style)),
      links: [...document.querySelectorAll('button.link.location')].map((b) => b.textContent),
    }
  })
  expect(audit.pwned).toBeUndefined()
  expect(audit.injected).toBe(0)
  expect(audit.handlers).toEqual([])
  expect(audit.hrefs).toEqual([])
  expect(audit.styles).toEqual([])
  // Only the https frame became a link; javascript: and data: stayed text.
  for (const label of audit.links) expect(label).not.toMatch(/^(javascript|data):/)
  await h.panel.getByRole('tab', { name: /Live/ }).click()
  const links = h.panel.locator('.live-details .stack button.link')
  await expect(links).toHaveCount(1)
  await links.click()
  expect(await h.opened()).toEqual([
    { url: `https://example.test/${markup}`, line0: 6, column0: 1 },
  ])
})

test('dark theme', async ({ context }) => {
  const h = await openPanel(context, site, url('/app/live.html'), { theme: 'dark' })
  await expect(h.panel.locator('html')).toHaveAttribute('data-theme', 'dark')
  const colors = await h.panel.evaluate(() => ({
    background: getComputedStyle(document.body).backgroundColor,
    text: getComputedStyle(document.body).color,
  }))
  expect(colors).toEqual({ background: 'rgb(32, 33, 36)', text: 'rgb(227, 227, 227)' })
  const light = await openPanel(context, site, undefined, { theme: 'light' })
  expect(await light.panel.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe(
    'rgb(255, 255, 255)',
  )
})
