// Panel bench: what 1,000 and 10,000 live items cost the Leakscope panel, side by side, in headless
// Chromium. A page creates N intervals (named job0 ... jobN-1) with the real leakscope agent
// injected; its `subscribe` batches (1,000 items at most per batch) are forwarded to the built
// panel page (extension/dist/panel/panel.html, served over http, with a test host like the
// specs'). Measured in the panel: main-thread time (CDP Performance.getMetrics: script, layout,
// style) spent until all N are listed, the JS heap after, and the time from an input event to the
// frame after the panel's render for: filter N -> 1 item, filter 1 -> N, and a scroll to the
// middle. Every round runs both sizes (order rotated); tables show medians and the median of the
// per-round ratios 10,000 / 1,000.
// Usage: node bench/panel.mjs [--rounds N]   (run `npm run build:extension` first)
// Env: CHROMIUM_PATH (default /usr/bin/chromium).
/* global document, window, location, Event, requestAnimationFrame -- page code passed to evaluate() */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import os from 'node:os'
import { extname, join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright'
import { agentScriptPath } from 'leakscope/agent'
import { median, numberOption, round1 } from './lib/stats.mjs'

const rounds = numberOption('--rounds', 5)
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const dist = fileURLToPath(new URL('../extension/dist/', import.meta.url))
if (!existsSync(join(dist, 'panel/panel.html'))) {
  console.error('bench/panel.mjs: extension/dist is missing; run `npm run build:extension` first')
  process.exit(1)
}
const SIZES = [1_000, 10_000]

const PAGE = `<!doctype html><title>many</title><script>
const count = Number(new URLSearchParams(location.search).get('n') ?? 0)
for (let i = 0; i < count; i++) {
  const name = 'job' + i
  setInterval({ [name]: function () {} }[name], 1e6)
}
</script>`
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' }
const server = createServer((request, response) => {
  const path = new URL(request.url ?? '/', 'http://x').pathname
  if (path === '/many.html')
    return response.writeHead(200, { 'content-type': 'text/html' }).end(PAGE)
  const file = normalize(join(dist, path))
  if (!file.startsWith(dist) || !existsSync(file)) return response.writeHead(404).end()
  response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' })
  response.end(readFileSync(file))
})
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
const origin = `http://127.0.0.1:${server.address().port}`

const browser = await chromium.launch({ executablePath, headless: true })
const chromiumVersion = browser.version()

async function metrics(cdp) {
  const { metrics: list } = await cdp.send('Performance.getMetrics')
  const get = (name) => list.find((m) => m.name === name)?.value ?? 0
  return {
    busy: (get('ScriptDuration') + get('LayoutDuration') + get('RecalcStyleDuration')) * 1000,
    heap: get('JSHeapUsedSize') / 1048576,
  }
}

/** Input-to-next-frame: the panel renders in an animation frame; this waits for the one after. */
const timeFilter = (panel, value) =>
  panel.evaluate(async (text) => {
    const input = document.querySelector('.text-filter')
    const start = performance.now()
    input.value = text
    input.dispatchEvent(new Event('input'))
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))
    return performance.now() - start
  }, value)

async function run(n) {
  // Separate windows: headless Chromium may throttle frames of a tab that is not in front.
  const panelContext = await browser.newContext()
  const appContext = await browser.newContext()
  const panel = await panelContext.newPage()
  const app = await appContext.newPage()
  let chain = Promise.resolve()
  await panel.addInitScript(() => {
    globalThis.__leakscopePanelHost = {
      tabId: 1,
      theme: 'light',
      connect(handlers) {
        globalThis.__benchHandlers = handlers
        queueMicrotask(() => handlers.status('connected'))
        return { send() {}, close() {} }
      },
      openResource() {},
    }
  })
  await panel.goto(`${origin}/panel/panel.html`)
  await panel.locator('.panel').waitFor()
  const cdp = await panelContext.newCDPSession(panel)
  await cdp.send('Performance.enable')
  const before = await metrics(cdp)

  await app.exposeBinding('__toPanel', (_source, message) => {
    chain = chain
      .then(() => panel.evaluate((m) => globalThis.__benchHandlers.message(m), message))
      .catch(() => undefined)
    return chain
  })
  await app.addInitScript({ path: agentScriptPath })
  await app.addInitScript(() => {
    const agent = globalThis.__LEAKSCOPE_AGENT__
    if (agent === undefined || window !== window.top) return
    void globalThis.__toPanel({
      type: 'agent',
      frameId: 0,
      url: location.href,
      protocol: agent.protocol,
      version: agent.version,
      compatible: true,
    })
    agent.subscribe((batch) => void globalThis.__toPanel({ type: 'batch', frameId: 0, batch }), {
      interval: 50,
    })
  })
  await app.goto(`${origin}/many.html?n=${n}`)
  await panel.waitForFunction(
    (count) => document.querySelector('.tab-count')?.textContent === String(count),
    n,
    { polling: 100, timeout: 120_000 },
  )
  await panel.evaluate(
    () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))),
  )
  const after = await metrics(cdp)
  const narrow = await timeFilter(panel, `job${n - 1}`)
  const rows = await panel.locator('.live-list .vlist-row').count()
  if (rows !== 1) throw new Error(`filter: expected 1 row, got ${rows}`)
  const wide = await timeFilter(panel, '')
  const scroll = await panel.evaluate(async () => {
    const list = document.querySelector('.live-list')
    const start = performance.now()
    list.scrollTop = list.scrollHeight / 2
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))
    return performance.now() - start
  })
  const domRows = await panel.locator('.live-list .vlist-row').count()
  await appContext.close()
  await panelContext.close()
  return {
    ingestBusy: after.busy - before.busy,
    heap: after.heap,
    narrow,
    wide,
    scroll,
    domRows,
  }
}

const results = Object.fromEntries(SIZES.map((n) => [n, []]))
for (let r = 0; r < rounds; r++) {
  const order = r % 2 === 0 ? SIZES : [...SIZES].reverse()
  for (const n of order) results[n].push(await run(n))
  process.stdout.write(`round ${r + 1}/${rounds} done\n`)
}
await browser.close()
server.close()

const FIELDS = {
  ingestBusy: 'panel main-thread ms until all listed',
  heap: 'panel JS heap after (MB)',
  narrow: 'filter N -> 1: input to next frame (ms)',
  wide: 'filter 1 -> N: input to next frame (ms)',
  scroll: 'scroll to the middle: to next frame (ms)',
  domRows: 'row elements in the DOM',
}
const table = Object.entries(FIELDS).map(([field, label]) => {
  const medians = SIZES.map((n) => median(results[n].map((run) => run[field])))
  const ratios = results[SIZES[0]].map(
    (small, i) => results[SIZES[1]][i][field] / Math.max(small[field], 1e-9),
  )
  return {
    measure: label,
    'N = 1,000': round1(medians[0]),
    'N = 10,000': round1(medians[1]),
    'ratio 10,000 / 1,000': round1(median(ratios)),
  }
})
console.table(table)
console.log(`load average: ${os.loadavg().map(round1).join(', ')}`)
const resultsDir = fileURLToPath(new URL('./results/', import.meta.url))
mkdirSync(resultsDir, { recursive: true })
writeFileSync(
  join(resultsDir, 'panel.json'),
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      rounds,
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, load: os.loadavg() },
      chromium: chromiumVersion,
      table,
      runs: results,
    },
    null,
    2,
  )}\n`,
)
