// One smoke test through the real DevTools front end: Chromium opens DevTools for each tab
// (--auto-open-devtools-for-tabs, works headless), the front end is a CDP page target
// (devtools://devtools/...), the Leakscope panel inside it an iframe target. Reaching into the
// front end uses its internal modules (InspectorView, SourcesPanel): brittle by nature, so this
// is the only test that does.
import type { CDPSession } from '@playwright/test'
import { expect, launch, test } from './fixtures.js'
import { serve } from './server.js'

const script = `function tick() {}

function start() {
  setInterval(tick, 1000) // the leak
}
start()
`

/** Evaluates expressions in a target through the browser session (non-flat attach). */
async function attach(
  browser: CDPSession,
  targetId: string,
): Promise<(expression: string) => Promise<unknown>> {
  const { sessionId } = await browser.send('Target.attachToTarget', { targetId, flatten: false })
  let nextId = 0
  const pending = new Map<number, (reply: Record<string, unknown>) => void>()
  browser.on('Target.receivedMessageFromTarget', (event) => {
    if (event.sessionId !== sessionId) return
    const reply = JSON.parse(event.message) as { id?: number } & Record<string, unknown>
    if (reply.id !== undefined) pending.get(reply.id)?.(reply)
    if (reply.id !== undefined) pending.delete(reply.id)
  })
  return async (expression) => {
    const id = ++nextId
    const reply = new Promise<Record<string, unknown>>((resolve) => pending.set(id, resolve))
    const message = JSON.stringify({
      id,
      method: 'Runtime.evaluate',
      params: { expression, awaitPromise: true, returnByValue: true },
    })
    await browser.send('Target.sendMessageToTarget', { sessionId, message })
    const { result } = (await reply) as {
      result?: { result?: { value?: unknown }; exceptionDetails?: { text?: string } }
    }
    if (result?.exceptionDetails !== undefined) throw new Error(result.exceptionDetails.text)
    return result?.result?.value
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 15_000
  for (;;) {
    // The front end throws while it is still starting up: keep asking.
    const value = await probe().catch(() => undefined)
    if (value !== undefined && value !== false && value !== null) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

interface Expected {
  /** The panel link's text. */
  label: string
  /** Where the Sources panel's editor ends up (1-based, the URL of the file it shows). */
  url: string
  line: number
  column: number
}

/** Serves `files`, opens `/` with DevTools, clicks the leaked `tick`'s link in the panel. */
async function throughDevtools(files: Record<string, string>, expected: Expected): Promise<void> {
  const site = await serve(files)
  const { context, dispose } = await launch(['--auto-open-devtools-for-tabs'])
  try {
    const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'))
    const extensionId = new URL(worker.url()).host
    const page = context.pages()[0] ?? (await context.newPage())
    await page.goto(site.url('/'))
    const browser = context.browser()
    if (browser === null) throw new Error('no browser for CDP')
    const cdp = await browser.newBrowserCDPSession()
    const target = async (match: (url: string) => boolean): Promise<string | undefined> =>
      (await cdp.send('Target.getTargets')).targetInfos.find((t) => match(t.url))?.targetId

    const frontEnd = await attach(
      cdp,
      await until('the DevTools front end', () => target((url) => url.startsWith('devtools://'))),
    )
    const panelId = `chrome-extension://${extensionId}Leakscope`
    const inspector = `(await import('./ui/legacy/legacy.js')).InspectorView.InspectorView.instance()`
    await until('the Leakscope panel tab', async () =>
      frontEnd(
        `(async () => (${inspector}).tabbedPane.tabIds().includes(${JSON.stringify(panelId)}))()`,
      ),
    )
    await frontEnd(`(async () => { await (${inspector}).showPanel(${JSON.stringify(panelId)}) })()`)

    const panel = await attach(
      cdp,
      await until('the panel page', () => target((url) => url.endsWith('/panel/panel.html'))),
    )
    const link = `[...document.querySelectorAll('.live-list .vlist-row')].find((row) => row.textContent.includes('tick'))?.querySelector('.where button.link')`
    const label = await until('the leaked interval in the panel', async () => {
      const text = (await panel(`${link}?.textContent`)) as string | undefined
      return text === expected.label ? text : undefined
    })
    expect(label).toBe(expected.label)
    await panel(`${link}.click()`)

    const opened = await until('Sources at the line', async () => {
      const state = (await frontEnd(`(async () => {
        const sources = (await import('./panels/sources/sources.js')).SourcesPanel.SourcesPanel.instance()
        const frame = sources.sourcesView().currentSourceFrame()
        const editor = frame?.textEditor
        if (editor === undefined) return undefined
        const head = editor.state.selection.main.head
        const line = editor.state.doc.lineAt(head)
        return {
          panel: (${inspector}).tabbedPane.selectedTabId,
          url: frame.uiSourceCode().url(),
          line: line.number,
          column: head - line.from + 1,
        }
      })()`)) as { panel: string; url: string; line: number; column: number } | undefined
      return state?.line === expected.line ? state : undefined
    })
    expect(opened).toEqual({
      panel: 'sources',
      url: site.url(expected.url),
      line: expected.line,
      column: expected.column,
    })
  } finally {
    await dispose()
    await site.close()
  }
}

test('inside DevTools: the Leakscope panel lists the leak, its link opens Sources at that line', async () => {
  test.setTimeout(60_000)
  // 1-based in the editor: the link passed 0-based 3 and 2 to openResource.
  await throughDevtools(
    {
      '/': '<!doctype html><title>devtools smoke</title><script src="/leak.js"></script>',
      '/leak.js': script,
    },
    { label: 'leak.js:4:3', url: '/leak.js', line: 4, column: 3 },
  )
})

test('inside DevTools: a source-mapped frame opens Sources at its original line', async () => {
  test.setTimeout(60_000)
  const original = Array.from({ length: 20 }, (_, i) =>
    i === 11 ? '    setInterval(tick, 1000) // the leak' : `// line ${i + 1}`,
  ).join('\n')
  // Generated line 2, from its first column, maps to the original line 12, column 5 (";AAWI").
  const map = {
    version: 3,
    sources: ['../src/app.ts'],
    sourcesContent: [original],
    names: [],
    mappings: ';AAWI',
  }
  await throughDevtools(
    {
      '/': '<!doctype html><title>devtools map</title><script src="/dist/app.js"></script>',
      '/dist/app.js':
        '/* generated */\n(function(){function tick(){}setInterval(tick,1000)})()\n//# sourceMappingURL=app.js.map\n',
      '/dist/app.js.map': JSON.stringify(map),
    },
    { label: 'app.ts:12:5', url: '/src/app.ts', line: 12, column: 5 },
  )
})
