// Benchmark runner: every variant in its own fresh `node --expose-gc` child, variants
// interleaved (rotated) across rounds, medians and per-round ratios vs native.
// Usage: node bench/run.mjs [--rounds N] [--node <path to a second Node, e.g. 24>] [--no-node24]
//        [--no-blocking] [--no-browser] [--no-e2e] [--no-extension] [--no-panel] [--no-suite]
//        [--no-import]
//        [--clock cpu|wall] (default cpu: the child's CPU time, which other processes on a
//        shared machine do not inflate; wall: elapsed time)
// Env: LEAKSCOPE_BENCH_NODE=<path> does the same as --node.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { writeDocTables } from './lib/output.mjs'
import { argValue, loadAverage, machineInfo, median, round1, round2 } from './lib/stats.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const childScript = fileURLToPath(new URL('./child.mjs', import.meta.url))
const resultsDir = fileURLToPath(new URL('./results/', import.meta.url))

const rounds = Number(argValue('--rounds') ?? 5)
const defaultSecondNode = fileURLToPath(
  new URL('../.ci/node24/node_modules/.bin/node', import.meta.url),
)
const secondNode = process.argv.includes('--no-node24')
  ? undefined
  : (argValue('--node') ?? process.env.LEAKSCOPE_BENCH_NODE ?? defaultSecondNode)
const childConfig = {
  depth: 10,
  timerOps: 200_000,
  timerWarmup: 20_000,
  anchorOps: 50_000,
  awaitOps: 500_000,
  awaitWarmup: 50_000,
  scopes: 2_000,
  scopeWarmup: 300,
  blocks: 10,
  clock: argValue('--clock') ?? 'cpu',
}

const LABELS = {
  'timer/native': '1a native (no leakscope loaded)',
  'timer/scope-no-stacks': '1b open scope, creationStacks: false',
  'timer/scope-stacks': '1c open scope, creation stacks (10 frames)',
  'timer/scope-stacks-3': '1d open scope, stackFrames: 3',
  'timer/after-scope': '1e leakscope loaded, no scope open',
  'timer/scope-callback': "1i open scope, creationStacks: 'callback'",
  'timer/scope-stacks-saved': '1j open scope, creation stacks, setTimeout saved before it',
  'timer/scope-global': "1k open scope, creationStacks: false, attribution: 'global'",
  'timer/ref-init-hook': '1l reference: bare init-only hook, no leakscope',
  'timer/ref-capture': '1m reference: bare 10-frame capture in a wrapper',
  'timer/anchor-why-is-node-running': '1f anchor: CallSite array + destroy hook',
  'timer/anchor-jest': '1g anchor: Jest-style init+destroy+Map',
  'timer/anchor-vitest': '1h anchor: Vitest-style formatted stack',
  'await/native': '2 native',
  'await/init-hook': '2 bare init-only hook (reference)',
  'await/scope': '2 open scope (default kinds)',
  'await/scope-promise': "2 open scope, kinds: ['promise']",
  'await/destroy-hook': '2 init + destroy hook (Jest-style)',
  'await/after-scope': '2 leakscope loaded, no scope open',
  'end/check': '3 noTaskLeaks() + check()',
  'end/run': '3 noTaskLeaks().run(async () => {})',
}

const BASELINE = { timer: 'timer/native', await: 'await/native', end: undefined }

const primaryVariants = Object.keys(LABELS)
const secondaryVariants = [
  'timer/native',
  'timer/scope-no-stacks',
  'timer/scope-stacks',
  'timer/scope-callback',
  'timer/scope-stacks-saved',
  'timer/scope-global',
  'timer/ref-init-hook',
  'timer/ref-capture',
  'await/native',
  'await/init-hook',
  'await/scope',
  'end/check',
  'end/run',
]

function nodeVersion(path) {
  const result = spawnSync(path, ['-p', 'process.version'], { encoding: 'utf8' })
  return result.status === 0 ? result.stdout.trim() : undefined
}

const runtimes = [{ id: 'primary', path: process.execPath, version: process.version }]
if (secondNode !== undefined && existsSync(secondNode)) {
  const version = nodeVersion(secondNode)
  if (version !== undefined && version !== process.version)
    runtimes.push({ id: 'secondary', path: secondNode, version })
}

const jobs = []
for (const runtime of runtimes) {
  const variants = runtime.id === 'primary' ? primaryVariants : secondaryVariants
  for (const variant of variants)
    jobs.push({ runtime, variant, key: `${runtime.version} ${variant}` })
}

function runChild(job) {
  const result = spawnSync(
    job.runtime.path,
    ['--expose-gc', childScript, job.variant, JSON.stringify(childConfig)],
    { cwd: root, encoding: 'utf8' },
  )
  if (result.status !== 0)
    throw new Error(`${job.key} failed (${result.status}): ${result.stderr || result.stdout}`)
  const line = result.stdout.trim().split('\n').at(-1)
  return JSON.parse(line).value
}

const loadAtStart = loadAverage()
const samples = new Map(jobs.map((job) => [job.key, []]))
const started = performance.now()
for (let round = 0; round < rounds; round++) {
  // Rotate the order each round so no variant always runs first or right after another.
  const shift = Math.floor((round * jobs.length) / rounds)
  const order = [...jobs.slice(shift), ...jobs.slice(0, shift)]
  for (const job of order) samples.get(job.key).push(runChild(job))
  const elapsed = ((performance.now() - started) / 1000).toFixed(0)
  console.error(`round ${round + 1}/${rounds} done (${elapsed} s)`)
}

const results = jobs.map((job) => {
  const bench = job.variant.split('/')[0]
  const values = samples.get(job.key)
  const baselineVariant = BASELINE[bench]
  const entry = {
    bench,
    variant: job.variant,
    label: LABELS[job.variant],
    node: job.runtime.version,
    unit: bench === 'end' ? 'ns/scope' : bench === 'await' ? 'ns/await' : 'ns/op',
    median: round1(median(values)),
    samples: values.map(round1),
    // Fastest / slowest sample: how noisy this variant was on the machine during the run.
    spread: round2(Math.max(...values) / Math.min(...values)),
  }
  if (baselineVariant !== undefined) {
    const base = samples.get(`${job.runtime.version} ${baselineVariant}`)
    // Ratio and added cost against native from the same round, then the median of those.
    entry.ratio = round2(median(values.map((value, i) => value / base[i])))
    entry.addedNs = round1(median(values.map((value, i) => value - base[i])))
  }
  return entry
})

function find(variant, version = process.version) {
  return results.find((entry) => entry.variant === variant && entry.node === version)
}

const targets = []
function target(id, description, value, limit, pass) {
  targets.push({ id, description, value, limit, pass })
}
for (const runtime of runtimes) {
  const v = runtime.version
  const noStacks = find('timer/scope-no-stacks', v)
  const stacks = find('timer/scope-stacks', v)
  target(
    `${v} no-stacks`,
    'timer in scope without stacks <= 1.3x native',
    noStacks.ratio,
    1.3,
    noStacks.ratio <= 1.3,
  )
  target(
    `${v} stacks-added`,
    'creation stack adds <= 3 us per timer',
    stacks.addedNs,
    3000,
    stacks.addedNs <= 3000,
  )
  const check = find('end/check', v)
  target(
    `${v} end-check`,
    'ending a clean scope (check) < 100 us',
    check.median,
    100_000,
    check.median < 100_000,
  )
  const run = find('end/run', v)
  target(
    `${v} end-run`,
    'ending a clean scope (run) < 100 us',
    run.median,
    100_000,
    run.median < 100_000,
  )
}
const anchors = ['why-is-node-running', 'jest', 'vitest'].map((name) =>
  find(`timer/anchor-${name}`),
)
const cheapestAnchor = Math.min(...anchors.map((entry) => entry.median))
const stacks = find('timer/scope-stacks')
target(
  'stacks-vs-anchors',
  'scope with stacks cheaper than every anchor (f, g, h)',
  stacks.median,
  cheapestAnchor,
  stacks.median < cheapestAnchor,
)
const afterTimer = find('timer/after-scope')
target(
  'timer-no-scope',
  'no timer cost when no scope is open (<= 1.05x native)',
  afterTimer.ratio,
  1.05,
  afterTimer.ratio <= 1.05,
)
const afterAwait = find('await/after-scope')
target(
  'await-no-scope',
  'no await cost when no scope is open (<= 1.05x native)',
  afterAwait.ratio,
  1.05,
  afterAwait.ratio <= 1.05,
)
for (const runtime of runtimes) {
  const scopeAwait = find('await/scope', runtime.version)
  const initHook = find('await/init-hook', runtime.version)
  target(
    `${runtime.version} await-init-only`,
    'await in a scope costs no more than a bare init-only hook (<= 1.1x it)',
    scopeAwait.median,
    round1(initHook.median * 1.1),
    scopeAwait.median <= initHook.median * 1.1,
  )
}

// --- output ---
const pad = (text, width) => String(text).padEnd(width)
const padLeft = (text, width) => String(text).padStart(width)
console.log(
  `\nleakscope benchmarks: ${rounds} rounds, medians; ratio = median of per-round ratios vs native`,
)
for (const runtime of runtimes) {
  console.log(`\nNode ${runtime.version}`)
  console.log(
    `${pad('variant', 48)}${padLeft('median', 12)}${padLeft('ratio', 8)}${padLeft('added', 10)}`,
  )
  for (const entry of results.filter((e) => e.node === runtime.version)) {
    const unit = entry.unit.split('/')[1]
    const value =
      entry.bench === 'end' ? `${round1(entry.median / 1000)} us` : `${round1(entry.median)} ns`
    console.log(
      `${pad(entry.label, 48)}${padLeft(value, 12)}${padLeft(entry.ratio === undefined ? '' : `${entry.ratio}x`, 8)}${padLeft(entry.addedNs === undefined ? '' : `${entry.addedNs}`, 10)}  /${unit}`,
    )
  }
}
console.log('\nTargets')
for (const t of targets)
  console.log(
    `${t.pass ? 'met   ' : 'MISSED'}  ${t.description}: ${t.value} (limit ${t.limit})  [${t.id}]`,
  )

const report = {
  generatedAt: new Date().toISOString(),
  machine: machineInfo(loadAtStart),
  runtimes: runtimes.map(({ id, version }) => ({ id, version })),
  config: { rounds, ...childConfig },
  durationSeconds: round1((performance.now() - started) / 1000),
  results,
  targets,
}

let json = `${JSON.stringify(report, null, 2)}\n`
try {
  const prettier = await import('prettier')
  const options = (await prettier.resolveConfig(resultsDir)) ?? {}
  json = await prettier.format(json, { ...options, parser: 'json' })
} catch {
  // Prettier is a dev dependency; without it the JSON stays as JSON.stringify wrote it.
}
mkdirSync(resultsDir, { recursive: true })
writeFileSync(new URL('./results/latest.json', import.meta.url), json)
const [load1] = os.loadavg()
if (loadAtStart[0] > os.cpus().length / 2 || load1 > os.cpus().length / 2)
  console.log(
    `\nNote: load average ${loadAtStart[0]} at start, ${round2(load1)} at end on ${os.cpus().length} cores: other work shared the CPU, expect noise.`,
  )
console.log(`\nRaw results: bench/results/latest.json (${report.durationSeconds} s)`)

// docs/benchmarks.md carries these tables between markers; every run rewrites them, so the doc
// always shows the numbers of bench/results/latest.json.
function markdown() {
  const titles = {
    timer: '1. `setTimeout` + `clearTimeout` (ns/op)',
    await: '2. `await` of a resolved promise (ns/await)',
    end: '3. Ending a clean scope (µs per scope)',
  }
  const number = (value) => value.toLocaleString('en-US', { maximumFractionDigits: 1 })
  const { machine } = report
  const lines = [
    '## Machine of the run below',
    '',
    `${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.platform}; ` +
      `Node ${runtimes.map((r) => r.version).join(' and ')}; ${rounds} rounds; ` +
      `${childConfig.clock === 'cpu' ? 'CPU time (scope ends: wall time)' : 'wall time'}, fastest of ${childConfig.blocks} blocks per child; the run took ` +
      `${report.durationSeconds} s (${report.generatedAt.slice(0, 10)}). Load average ` +
      `${machine.loadAverageAtStart[0]} at the start and ${machine.loadAverageAtEnd[0]} at the end, ` +
      `on ${machine.cores} cores${machine.loadAverageAtStart[0] > machine.cores / 2 ? ': the machine was shared, expect noise' : ''}.`,
    '',
  ]
  for (const bench of ['timer', 'await', 'end']) {
    lines.push(`## ${titles[bench]}`, '')
    for (const runtime of runtimes) {
      const rows = results.filter((e) => e.bench === bench && e.node === runtime.version)
      if (rows.length === 0) continue
      lines.push(
        `| Variant (Node ${runtime.version}) | Median | Ratio | Added |`,
        '| --- | ---: | ---: | ---: |',
      )
      for (const e of rows) {
        const median = bench === 'end' ? number(e.median / 1000) : number(e.median)
        const ratio = e.ratio === undefined ? '' : `${e.ratio.toFixed(2)}x`
        const added = e.addedNs === undefined ? '' : number(e.addedNs)
        lines.push(`| ${e.label} | ${median} | ${ratio} | ${added} |`)
      }
      lines.push('')
    }
  }
  lines.push(
    '## Targets (from this run)',
    '',
    '| Target | Value | Limit | Result |',
    '| --- | ---: | ---: | --- |',
  )
  for (const t of targets) {
    lines.push(
      `| ${t.description} (${t.id}) | ${number(t.value)} | ${number(t.limit)} | ${t.pass ? 'met' : '**missed**'} |`,
    )
  }
  return lines.join('\n')
}

await writeDocTables('run.mjs', markdown())

// noEventLoopBlocking: throughput with and without an open blocking scope, anchors, accuracy
// (bench/blocking.mjs, its own children; results in bench/results/blocking.json).
if (!process.argv.includes('--no-blocking')) {
  console.log('\nnoEventLoopBlocking (bench/blocking.mjs)')
  spawnSync(
    process.execPath,
    [fileURLToPath(new URL('./blocking.mjs', import.meta.url)), '--rounds', String(rounds)],
    { cwd: root, stdio: 'inherit' },
  )
}

// The browser adapter's per-call costs in headless Chromium: plain page, CDP attached, DevTools
// open (bench/browser.mjs; results in bench/results/browser.json and docs/benchmarks.md).
if (!process.argv.includes('--no-browser')) {
  console.log('\nBrowser adapter in Chromium (bench/browser.mjs)')
  spawnSync(
    process.execPath,
    [fileURLToPath(new URL('./browser.mjs', import.meta.url)), '--rounds', String(rounds)],
    { cwd: root, stdio: 'inherit' },
  )
}

// @leakscope/playwright's fixture on the playground in headless Chromium: page load and a 50-step
// interaction script, with and without the agent (bench/e2e.mjs, its own rounds; results in
// bench/results/e2e.json and its own section of docs/benchmarks.md).
if (!process.argv.includes('--no-e2e')) {
  console.log('\n@leakscope/playwright on the playground (bench/e2e.mjs)')
  spawnSync(
    process.execPath,
    [fileURLToPath(new URL('./e2e.mjs', import.meta.url)), '--rounds', String(rounds)],
    { cwd: root, stdio: 'inherit' },
  )
}

// The Leakscope extension on a page churning through timers: no extension, installed, panel
// attached (bench/extension.mjs; results in bench/results/extension.json and docs/benchmarks.md).
if (!process.argv.includes('--no-extension')) {
  console.log('\nThe Leakscope extension (bench/extension.mjs)')
  spawnSync(
    process.execPath,
    [fileURLToPath(new URL('./extension.mjs', import.meta.url)), '--rounds', String(rounds)],
    { cwd: root, stdio: 'inherit' },
  )
}

// The panel with 1,000 vs 10,000 live items from the real agent (bench/panel.mjs; needs
// extension/dist, which bench/extension.mjs builds when it is missing).
if (!process.argv.includes('--no-panel')) {
  console.log('\nThe DevTools panel at scale (bench/panel.mjs)')
  spawnSync(
    process.execPath,
    [fileURLToPath(new URL('./panel.mjs', import.meta.url)), '--rounds', String(rounds)],
    { cwd: root, stdio: 'inherit' },
  )
}

// Loading leakscope in a fresh process, bundled against per-file modules (bench/import.mjs).
if (!process.argv.includes('--no-import')) {
  console.log('\nLoading leakscope in a fresh Node process (bench/import.mjs)')
  spawnSync(process.execPath, [fileURLToPath(new URL('./import.mjs', import.meta.url))], {
    cwd: root,
    stdio: 'inherit',
  })
}

// The user-facing goal: a realistic suite (bench/fixtures/suite) under the real Vitest CLI, Node
// and browser mode, with and without @leakscope/vitest (bench/suite.mjs; results in
// bench/results/suite.json and its own section of docs/benchmarks.md).
if (!process.argv.includes('--no-suite')) {
  console.log('\nA realistic suite with @leakscope/vitest (bench/suite.mjs)')
  spawnSync(
    process.execPath,
    [fileURLToPath(new URL('./suite.mjs', import.meta.url)), '--rounds', String(rounds)],
    { cwd: root, stdio: 'inherit' },
  )
}
