// Extension bench: what the Leakscope extension costs a page that churns through thousands of
// timers a second, side by side with no extension, in headless Chromium.
// The page runs a fixed workload (20 rounds: 500 short timers that fire and 500 long ones that
// are cleared, 20,000 timers) and times it itself with performance.now(); then it creates 5,000
// timers a second for 2 s and CDP reads the CPU time its main thread spent (all worlds).
// Variants: `none` (Chromium without the extension); `installed` (the extension loaded, no
// panel: the agent tracks everything, the relay is dormant); `panel` (a Leakscope panel attached
// to the tab, opened as panel.html?tab=ID: batches flow every 250 ms). Every round runs every
// variant (order rotated); tables show medians and the median of per-round ratios.
// Usage: node bench/extension.mjs [--rounds N]   (builds extension/dist if it is missing)
// Env: CHROMIUM_PATH (default /usr/bin/chromium).
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import os from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright'
import { writeDocTables, writeResults } from './lib/output.mjs'
import { loadAverage, machineInfo, median, numberOption, round1, round2 } from './lib/stats.mjs'

const rounds = numberOption('--rounds', 7)
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const extension = fileURLToPath(new URL('../extension/dist', import.meta.url))
if (!existsSync(join(extension, 'manifest.json'))) {
  spawnSync(process.execPath, [fileURLToPath(new URL('../extension/build.mjs', import.meta.url))], {
    stdio: 'inherit',
  })
}

const LABEL = {
  none: 'no extension',
  installed: 'extension installed, no panel open',
  panel: 'extension with the Leakscope panel attached',
}

const PAGE = `<!doctype html><title>timer churn</title><script>
function short() {}
function long() {}
async function churn(rounds, perRound) {
  const start = performance.now()
  for (let r = 0; r < rounds; r++) {
    const fired = []
    const pending = []
    for (let i = 0; i < perRound; i++) {
      fired.push(new Promise((resolve) => setTimeout(resolve, 1)))
      pending.push(setTimeout(long, 60000))
    }
    for (const id of pending) clearTimeout(id)
    await Promise.all(fired)
  }
  return performance.now() - start
}
function steady(ms, perTick) {
  return new Promise((resolve) => {
    const end = performance.now() + ms
    const tick = () => {
      for (let i = 0; i < perTick; i++) setTimeout(short, 1)
      if (performance.now() < end) setTimeout(tick, 10)
      else setTimeout(resolve, 50)
    }
    tick()
  })
}
</script>`
const server = createServer((_, response) => {
  response.writeHead(200, { 'content-type': 'text/html' }).end(PAGE)
})
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
const url = `http://127.0.0.1:${server.address().port}/`

async function launch(withExtension) {
  const profile = mkdtempSync(join(os.tmpdir(), 'leakscope-bench-ext-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: withExtension
      ? [`--disable-extensions-except=${extension}`, `--load-extension=${extension}`]
      : [],
  })
  return { context, profile }
}

const loadAtStart = loadAverage()
const started = performance.now()
const plain = await launch(false)
const withExt = await launch(true)
const worker =
  withExt.context.serviceWorkers()[0] ?? (await withExt.context.waitForEvent('serviceworker'))
const extensionId = new URL(worker.url()).host
// Runs in the extension service worker, where `chrome` exists.
const tabIds = () =>
  worker.evaluate(async () => (await globalThis.chrome.tabs.query({})).map((t) => t.id))

async function openPage(variant) {
  const context = variant === 'none' ? plain.context : withExt.context
  const before = variant === 'none' ? [] : await tabIds()
  const page = await context.newPage()
  await page.goto(url)
  let panel
  if (variant === 'panel') {
    const tabId = (await tabIds()).find((id) => !before.includes(id))
    panel = await context.newPage()
    await panel.goto(`chrome-extension://${extensionId}/panel/panel.html?tab=${tabId}`)
    await panel.waitForFunction(() => (globalThis.__leakscopeTabHost?.received.length ?? 0) > 0)
  }
  if (variant !== 'none' && !(await page.evaluate(() => '__LEAKSCOPE_AGENT__' in globalThis)))
    throw new Error('the agent is not in the page')
  return { page, panel }
}

/**
 * CPU time of the page's main thread around `run` (CDP Performance metrics `ThreadTime`, seconds;
 * CPU time rather than wall time, so other processes on a loaded machine do not inflate it).
 */
async function busyMs(page, run) {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Performance.enable')
  const read = async () =>
    (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'ThreadTime')
      ?.value ?? Number.NaN
  const before = await read()
  await run()
  const after = await read()
  await cdp.detach()
  return (after - before) * 1000
}

const samples = { none: [], installed: [], panel: [] }
const busy = { none: [], installed: [], panel: [] }
let batches = 0
try {
  const variants = ['none', 'installed', 'panel']
  for (let round = -1; round < rounds; round++) {
    const order = variants.map((_, i) => variants[(i + Math.max(round, 0)) % variants.length])
    for (const variant of order) {
      const { page, panel } = await openPage(variant)
      const ms = await page.evaluate(() => globalThis.churn(20, 500))
      // 2 s at 5,000 timers a second (50 every 10 ms): main-thread CPU time, all worlds.
      const spent = await busyMs(page, () => page.evaluate(() => globalThis.steady(2000, 50)))
      if (panel !== undefined) {
        batches = await panel.evaluate(() => globalThis.__leakscopeTabHost.received.length)
        await panel.close()
      }
      await page.close()
      // Round -1 warms up (compilation, the worker's first start) and is not recorded.
      if (round >= 0) samples[variant].push(ms)
      if (round >= 0) busy[variant].push(spent)
    }
    if (round >= 0) console.error(`round ${round + 1}/${rounds} done`)
  }
} finally {
  for (const { context, profile } of [plain, withExt]) {
    await context.close().catch(() => {})
    rmSync(profile, { recursive: true, force: true })
  }
  server.close()
}

const rows = Object.entries(samples).map(([variant, values]) => ({
  variant,
  label: LABEL[variant],
  median: round1(median(values)),
  ratio: round2(median(values.map((value, i) => value / samples.none[i]))),
  timersPerSecond: Math.round(20_000 / (median(values) / 1000)),
  samples: values.map(round1),
}))
const busyRows = Object.entries(busy).map(([variant, values]) => ({
  variant,
  label: LABEL[variant],
  median: round1(median(values)),
  ratio: round2(median(values.map((value, i) => value / busy.none[i]))),
  addedMs: round1(median(values.map((value, i) => value - busy.none[i]))),
  samples: values.map(round1),
}))
const report = {
  generatedAt: new Date().toISOString(),
  machine: machineInfo(loadAtStart),
  node: process.version,
  config: { rounds, timersPerRun: 20_000 },
  panelMessagesInLastRun: batches,
  durationSeconds: round1((performance.now() - started) / 1000),
  churn: rows,
  steady: busyRows,
}

const number = (value) => value.toLocaleString('en-US', { maximumFractionDigits: 1 })
const text = [
  `Node ${process.version}, ${report.machine.cpuModel}, ${report.machine.cores} cores; ` +
    `${rounds} rounds; the run took ${report.durationSeconds} s ` +
    `(${report.generatedAt.slice(0, 10)}). Load average ${loadAtStart[0]} at the start and ` +
    `${report.machine.loadAverageAtEnd[0]} at the end. The panel received ${batches} messages ` +
    'during the last run.',
  '',
  'Timer churn (20,000 timers: 10,000 fire, 10,000 are cleared; ms, timed by the page):',
  '',
  '| Variant | Median | Ratio | Timers/s |',
  '| --- | ---: | ---: | ---: |',
  ...rows.map(
    (row) =>
      `| ${row.label} | ${number(row.median)} | ${row.ratio.toFixed(2)}x | ${number(row.timersPerSecond)} |`,
  ),
  '',
  'Steady 5,000 timers/s for 2 s (50 every 10 ms): CPU time of the page main thread, all its',
  'worlds (page, agent, shim, relay), from CDP `Performance.getMetrics` `ThreadTime` (ms):',
  '',
  '| Variant | Median | Ratio | Added |',
  '| --- | ---: | ---: | ---: |',
  ...busyRows.map(
    (row) =>
      `| ${row.label} | ${number(row.median)} | ${row.ratio.toFixed(2)}x | ${number(row.addedMs)} |`,
  ),
].join('\n')
console.log(`\n${text}`)

await writeResults('extension', report)
await writeDocTables('extension.mjs', text)
