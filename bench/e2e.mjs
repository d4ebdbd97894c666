// e2e bench: what @leakscope/playwright's fixture adds to a Playwright test of a real app (the
// playground), side by side with no leakscope, in one run of headless Chromium.
// - "page load": a fresh browser context per load (as every test gets one), `page.goto` of a
//   playground route until `load`, timed in Node; the page's own navigation timing is recorded too.
// - "interaction": 5 routes x 10 clicks (mount/unmount pairs, leaky and fixed widgets alternating)
//   = 50 steps, plus the 5 navigations, in a fresh context.
// Variants: `none` (no agent); `agent` (the agent injected into the context with addInitScript, as
// the fixture does for every test); for the interaction also `agent + scopes` (a scope opened
// after each navigation and its report read before the next, as `leakscope.start(page)` and
// `expect(scope).toHaveNoLeaks()` do). Every round runs every variant (order rotated); tables show
// medians over rounds and the median of per-round ratios / differences against `none`.
// Usage: node bench/e2e.mjs [--rounds N] [--loads N]   (run `npm run build` first)
// Env: CHROMIUM_PATH (default /usr/bin/chromium).
import { chromium } from 'playwright'
import { agentScriptPath } from 'leakscope/agent'
import { startPlayground } from '../playground/server.js'
import { writeDocTables, writeResults } from './lib/output.mjs'
import { loadAverage, machineInfo, median, numberOption, round1, round2 } from './lib/stats.mjs'

const rounds = numberOption('--rounds', 7)
const loads = numberOption('--loads', 5)
const LOAD_ROUTE = '/interval'
const ROUTES = ['/interval', '/listener', '/observer', '/worker', '/react']
const PAIRS = ['leaky', 'fixed', 'leaky', 'fixed', 'leaky']
const EXPECTED_LEAKS = 3 + 1 + 3 + 3 + 6

const LABEL = {
  none: 'no leakscope',
  agent: 'agent injected (the fixture)',
  scopes: 'agent + a scope per route (`leakscope.start` + report)',
}

// Init scripts run in the order they were added: the two marks around the agent time its
// install in the page (both variants get the marks, so `none` shows what they cost alone).
const markBefore = () => {
  globalThis.__benchBeforeAgent = performance.now()
}
const markAfter = () => {
  globalThis.__benchAfterAgent = performance.now()
}

async function newPage(browser, variant) {
  const context = await browser.newContext()
  await context.addInitScript(markBefore)
  if (variant !== 'none') await context.addInitScript({ path: agentScriptPath })
  await context.addInitScript(markAfter)
  return { context, page: await context.newPage() }
}

/** One page load in a fresh context: [goto ms, the page's own load event ms, install ms]. */
async function pageLoad(browser, base, variant) {
  const { context, page } = await newPage(browser, variant)
  try {
    const start = performance.now()
    await page.goto(new URL(LOAD_ROUTE, base).href, { waitUntil: 'load' })
    const wall = performance.now() - start
    const [loadEvent, install] = await page.evaluate(() => [
      performance.getEntriesByType('navigation')[0]?.loadEventEnd ?? Number.NaN,
      globalThis.__benchAfterAgent - globalThis.__benchBeforeAgent,
    ])
    if (variant !== 'none' && !(await page.evaluate(() => '__LEAKSCOPE_AGENT__' in globalThis)))
      throw new Error('the agent is not in the page')
    return [wall, loadEvent, install]
  } finally {
    await context.close()
  }
}

/** The 50-step script in a fresh context: total ms. */
async function interaction(browser, base, variant) {
  const { context, page } = await newPage(browser, variant)
  try {
    let leaks = 0
    const start = performance.now()
    for (const route of ROUTES) {
      await page.goto(new URL(route, base).href, { waitUntil: 'load' })
      const scope =
        variant === 'scopes'
          ? await page.evaluate(() => globalThis.__LEAKSCOPE_AGENT__.openScope())
          : undefined
      for (const variantOfWidget of PAIRS) {
        await page.click(`#mount-${variantOfWidget}`)
        await page.click(`#unmount-${variantOfWidget}`)
      }
      if (scope !== undefined) {
        const report = await page.evaluate(
          (id) => globalThis.__LEAKSCOPE_AGENT__.closeScope(id),
          scope,
        )
        leaks += report.tasks.length + report.workers.length
      }
    }
    const elapsed = performance.now() - start
    // Three leaky mounts per route, one item each, except: the listener route re-adds the same
    // listener (the DOM keeps one) and React's StrictMode runs the leaky effect twice per mount.
    if (variant === 'scopes' && leaks !== EXPECTED_LEAKS)
      throw new Error(`expected ${EXPECTED_LEAKS} leaked items in the scopes, found ${leaks}`)
    return elapsed
  } finally {
    await context.close()
  }
}

const loadAtStart = loadAverage()
const started = performance.now()
const playground = await startPlayground({ port: 0 })
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
})
const samples = {
  load: { none: [], agent: [] },
  loadEvent: { none: [], agent: [] },
  install: { none: [], agent: [] },
  interaction: { none: [], agent: [], scopes: [] },
}
try {
  // Warm-up, not recorded: Vite transforms every module once, Chromium compiles the agent.
  for (const variant of ['none', 'agent']) await pageLoad(browser, playground.url, variant)
  for (const variant of ['none', 'agent', 'scopes'])
    await interaction(browser, playground.url, variant)
  for (let round = 0; round < rounds; round++) {
    const loadOrder = round % 2 === 0 ? ['none', 'agent'] : ['agent', 'none']
    const walls = { none: [], agent: [] }
    const events = { none: [], agent: [] }
    const installs = { none: [], agent: [] }
    // Loads alternate between the variants inside a round, so drift hits both alike.
    for (let i = 0; i < loads; i++) {
      for (const variant of loadOrder) {
        const [wall, loadEvent, install] = await pageLoad(browser, playground.url, variant)
        walls[variant].push(wall)
        events[variant].push(loadEvent)
        installs[variant].push(install)
      }
    }
    for (const variant of loadOrder) {
      samples.load[variant].push(median(walls[variant]))
      samples.loadEvent[variant].push(median(events[variant]))
      samples.install[variant].push(median(installs[variant]))
    }
    const variants = ['none', 'agent', 'scopes']
    const order = variants.map((_, i) => variants[(i + round) % variants.length])
    for (const variant of order)
      samples.interaction[variant].push(await interaction(browser, playground.url, variant))
    const elapsed = ((performance.now() - started) / 1000).toFixed(0)
    console.error(`round ${round + 1}/${rounds} done (${elapsed} s)`)
  }
} finally {
  await browser.close().catch(() => {})
  await playground.close()
}
const chromiumVersion = browser.version()

const TITLES = {
  load: `Page load (\`page.goto('${LOAD_ROUTE}')\` until \`load\`, fresh context; ms)`,
  loadEvent: "The page's own load event (navigation timing `loadEventEnd`; ms)",
  install: "Init scripts before the page's own (the agent installing itself; ms)",
  interaction: 'Interaction script (5 routes, 50 mount/unmount clicks, 5 navigations; ms)',
}
const results = Object.entries(samples).map(([bench, byVariant]) => ({
  bench,
  title: TITLES[bench],
  rows: Object.entries(byVariant).map(([variant, values]) => {
    const base = byVariant.none
    // The install times are fractions of a millisecond against a near-zero baseline: no ratio.
    const small = bench === 'install'
    const round = small ? round2 : round1
    return {
      variant,
      label: LABEL[variant],
      median: round(median(values)),
      ratio: small ? undefined : round2(median(values.map((value, i) => value / base[i]))),
      addedMs: round(median(values.map((value, i) => value - base[i]))),
      samples: values.map(round),
    }
  }),
}))

const report = {
  generatedAt: new Date().toISOString(),
  machine: machineInfo(loadAtStart),
  chromium: chromiumVersion,
  node: process.version,
  config: { rounds, loadsPerRound: loads, loadRoute: LOAD_ROUTE, routes: ROUTES },
  durationSeconds: round1((performance.now() - started) / 1000),
  results,
}

function table() {
  const number = (value) => value.toLocaleString('en-US', { maximumFractionDigits: 2 })
  const lines = [
    `Chromium ${chromiumVersion}, Node ${process.version}, ${report.machine.cpuModel}, ` +
      `${report.machine.cores} cores; ${rounds} rounds (${loads} loads per variant per round, ` +
      `median per round); the run took ${report.durationSeconds} s ` +
      `(${report.generatedAt.slice(0, 10)}). Load average ${loadAtStart[0]} at the start and ` +
      `${report.machine.loadAverageAtEnd[0]} at the end.`,
  ]
  for (const { title, rows } of results) {
    lines.push(
      '',
      `${title}:`,
      '',
      '| Variant | Median | Ratio | Added |',
      '| --- | ---: | ---: | ---: |',
    )
    for (const row of rows)
      lines.push(
        `| ${row.label} | ${number(row.median)} | ${row.ratio === undefined ? '' : `${row.ratio.toFixed(2)}x`} | ${number(row.addedMs)} |`,
      )
  }
  return lines.join('\n')
}

const text = table()
console.log(`\n${text}`)

await writeResults('e2e', report)
// docs/benchmarks.md carries the tables between markers; every run rewrites them.
await writeDocTables('e2e.mjs', text)
