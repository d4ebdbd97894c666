// The user-facing goal: a real test suite with @leakscope/vitest switched on runs within 5% of its
// time without it. The suite is bench/fixtures/suite (a small app's logic, real-timer async code,
// fetch against a local server, emitters; a DOM widget and React 19 components in browser mode),
// run by the real Vitest CLI with its defaults (file parallelism included) in six modes:
// node/off, node/floor, node/on, browser/off, browser/floor, browser/on. "floor" is a setup file
// with an empty aroundEach: Vitest's own cost of any per-test wrapper. Modes are interleaved,
// their order rotated every round, after one warm-up round that is not recorded. Each mode has its
// own Vite cache (see vitest.browser.config.ts): a user's cache never flips between two
// dependency lists, so no run re-optimizes its dependencies after the warm-up.
//
// Per run: the wall time of the CLI process (what a user waits for: the target is judged on it)
// and the sum of Vitest's per-test durations from its JSON reporter (less noisy; it includes the
// plugin's aroundEach, but not the per-file setup or the browser's start). Every run must pass
// with the expected number of tests; before the rounds, a canary run per environment adds a
// deliberately leaky test, which must fail with a leakscope report with the plugin on (proof
// that it was active) and pass with it off.
//
// Usage: npm run build && node bench/suite.mjs [--rounds N] [--envs node,browser]
// Env: CHROMIUM_PATH (default /usr/bin/chromium).
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { writeDocTables, writeResults } from './lib/output.mjs'
import { argValue, loadAverage, machineInfo, median, numberOption, round1 } from './lib/stats.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const vitestBin = join(root, 'node_modules/vitest/vitest.mjs')
const fixture = join(root, 'bench/fixtures/suite')
const outDir = join(root, 'bench/.vitest-suite') // git-ignored (.vitest-*)
const rounds = numberOption('--rounds', 5)
const envs = (argValue('--envs') ?? 'node,browser').split(',')
const LIMIT = 1.05

const SWITCHES = { off: 'off', floor: 'around', on: 'on' }
const MODES = envs.flatMap((env) => ['off', 'floor', 'on'].map((plugin) => ({ env, plugin })))
const key = (mode) => `${mode.env}/${mode.plugin}`

for (const env of envs) {
  if (env !== 'node' && env !== 'browser') throw new Error(`--envs: unknown environment ${env}`)
}

function vitest(env, plugin, { canary = false } = {}) {
  const out = join(outDir, `${env}-${plugin}${canary ? '-canary' : ''}.json`)
  rmSync(out, { force: true })
  const started = performance.now()
  const result = spawnSync(
    process.execPath,
    [
      vitestBin,
      'run',
      '--root',
      fixture,
      '--config',
      `vitest.${env}.config.ts`,
      '--reporter=json',
      `--outputFile=${out}`,
    ],
    {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: {
        ...process.env,
        NO_COLOR: '1',
        LEAKSCOPE_SUITE: SWITCHES[plugin],
        LEAKSCOPE_SUITE_CANARY: canary ? '1' : '',
        LEAKSCOPE_SUITE_OPTIONS: '',
      },
    },
  )
  const wall = performance.now() - started
  let json
  try {
    json = JSON.parse(readFileSync(out, 'utf8'))
  } catch {
    throw new Error(
      `${env}/${plugin}: no JSON report (exit ${result.status})\n${result.stderr}\n${result.stdout}`,
    )
  }
  const tests = json.testResults.flatMap((file) => file.assertionResults)
  return {
    status: result.status,
    wall,
    json,
    tests,
    durationSum: tests.reduce((sum, test) => sum + (test.duration ?? 0), 0),
    output: `${result.stderr}\n${result.stdout}`,
  }
}

function fail(message) {
  console.error(`\nbench/suite.mjs: ${message}`)
  process.exit(1)
}

mkdirSync(outDir, { recursive: true })
const loadAtStart = loadAverage()
const started = performance.now()

// Canaries first: they also warm Vite's dependency cache for each environment.
const canaries = []
for (const env of envs) {
  const on = vitest(env, 'on', { canary: true })
  const failed = on.tests.filter((test) => test.status === 'failed')
  const message = failed.flatMap((test) => test.failureMessages).join('\n')
  if (
    on.status === 0 ||
    failed.length !== 1 ||
    !failed[0].fullName.includes('canary') ||
    !/leakscope/i.test(message) ||
    !message.includes('leakscopeCanary')
  ) {
    fail(
      `${env}: the canary run with the plugin on did not fail with a leakscope report: the plugin was not active.\n` +
        `exit ${on.status}, failed: ${failed.map((test) => test.fullName).join(', ') || 'none'}\n${message || on.output}`,
    )
  }
  const off = vitest(env, 'off', { canary: true })
  if (off.status !== 0 || off.json.numFailedTests !== 0)
    fail(
      `${env}: the canary run with the plugin off failed: the canary itself is broken.\n${off.output}`,
    )
  canaries.push({
    env,
    onFailed: failed[0].fullName,
    onReport: message.split('\n')[0],
    offPassed: true,
  })
  console.error(`canary ${env}: fails with the plugin on (${message.split('\n')[0]}), passes off`)
}

const samples = new Map(MODES.map((mode) => [key(mode), []]))
const expectedTests = new Map()
for (let round = 0; round <= rounds; round++) {
  const shift = round % MODES.length
  const order = [...MODES.slice(shift), ...MODES.slice(0, shift)]
  for (const mode of order) {
    const run = vitest(mode.env, mode.plugin)
    const total = run.json.numTotalTests
    if (run.status !== 0 || run.json.numFailedTests !== 0 || !run.json.success) {
      const failures = run.tests
        .filter((test) => test.status === 'failed')
        .map((test) => `${test.fullName}\n${test.failureMessages.join('\n')}`)
      fail(`${key(mode)} failed (exit ${run.status}):\n${failures.join('\n\n') || run.output}`)
    }
    if (!expectedTests.has(mode.env)) expectedTests.set(mode.env, total)
    if (total !== expectedTests.get(mode.env) || run.json.numPassedTests !== total)
      fail(
        `${key(mode)}: ${run.json.numPassedTests}/${total} tests passed, expected ${expectedTests.get(mode.env)}`,
      )
    const label = round === 0 ? 'warm-up' : `round ${round}/${rounds}`
    console.error(
      `${label} ${key(mode)}: ${(run.wall / 1000).toFixed(2)} s wall, tests ${run.durationSum.toFixed(0)} ms`,
    )
    if (round > 0) samples.get(key(mode)).push({ wall: run.wall, durationSum: run.durationSum })
  }
}

const modes = MODES.map((mode) => {
  const runs = samples.get(key(mode))
  const walls = runs.map((run) => run.wall)
  const sums = runs.map((run) => run.durationSum)
  return {
    mode: key(mode),
    env: mode.env,
    plugin: mode.plugin,
    tests: expectedTests.get(mode.env),
    medianWallMs: Math.round(median(walls)),
    minWallMs: Math.round(Math.min(...walls)),
    maxWallMs: Math.round(Math.max(...walls)),
    medianTestSumMs: round1(median(sums)),
    wallsMs: walls.map(Math.round),
    testSumsMs: sums.map(round1),
  }
})

const ratios = (values, base) => values.map((value, i) => value / base[i])
const environments = envs.map((env) => {
  const get = (plugin) => modes.find((mode) => mode.env === env && mode.plugin === plugin)
  const off = get('off')
  const floor = get('floor')
  const on = get('on')
  const wallRatio = on.medianWallMs / off.medianWallMs
  return {
    env,
    tests: off.tests,
    wallRatio: Number(wallRatio.toFixed(3)),
    // Each round's on/off ratio, then their median: the two runs of a round shared its load.
    wallRatioPerRound: Number(median(ratios(on.wallsMs, off.wallsMs)).toFixed(3)),
    testSumRatio: Number((on.medianTestSumMs / off.medianTestSumMs).toFixed(3)),
    addedWallMs: on.medianWallMs - off.medianWallMs,
    addedPerTestMs: Number(((on.medianTestSumMs - off.medianTestSumMs) / off.tests).toFixed(3)),
    floorAddedPerTestMs: Number(
      ((floor.medianTestSumMs - off.medianTestSumMs) / off.tests).toFixed(3),
    ),
    met: wallRatio <= LIMIT,
  }
})

const report = {
  generatedAt: new Date().toISOString(),
  machine: machineInfo(loadAtStart),
  node: process.version,
  vitest: JSON.parse(readFileSync(join(root, 'node_modules/vitest/package.json'), 'utf8')).version,
  rounds,
  durationSeconds: round1((performance.now() - started) / 1000),
  target: {
    description: 'suite with @leakscope/vitest within 5% (node / browser)',
    judgedOn: 'median whole-run wall time, plugin on / plugin off',
    limit: LIMIT,
  },
  canaries,
  modes,
  environments,
}

console.log(`\nA realistic suite with @leakscope/vitest: ${rounds} rounds (+1 warm-up), medians`)
console.table(
  modes.map((mode) => ({
    mode: mode.mode,
    tests: mode.tests,
    'wall (s)': (mode.medianWallMs / 1000).toFixed(2),
    'wall range (s)': `${(mode.minWallMs / 1000).toFixed(2)}-${(mode.maxWallMs / 1000).toFixed(2)}`,
    'sum of tests (ms)': mode.medianTestSumMs,
  })),
)
for (const env of environments) {
  console.log(
    `${env.met ? 'met   ' : 'MISSED'}  ${env.env}: wall ${env.wallRatio}x (per round ${env.wallRatioPerRound}x), ` +
      `sum of tests ${env.testSumRatio}x, +${env.addedPerTestMs} ms per test (limit ${LIMIT}x on wall)`,
  )
}

await writeResults('suite', report)

function markdown() {
  const { machine } = report
  const seconds = (ms) => (ms / 1000).toFixed(2)
  const ratio = (value) => `${value.toFixed(2)}x`
  const lines = [
    `${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.platform}; ` +
      `Node ${report.node}, Vitest ${report.vitest}, Chromium at ${process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'}; ` +
      `${rounds} rounds after a warm-up; the run took ${report.durationSeconds} s ` +
      `(${report.generatedAt.slice(0, 10)}). Load average ${machine.loadAverageAtStart[0]} at the ` +
      `start and ${machine.loadAverageAtEnd[0]} at the end, on ${machine.cores} cores` +
      `${machine.loadAverageAtStart[0] > machine.cores / 2 ? ': the machine was shared, expect noise' : ''}. ` +
      `Canaries: ${canaries.map((c) => `${c.env} failed with the plugin on and passed off`).join('; ')}.`,
    '',
    '| mode | tests | whole run, median (s) | range (s) | sum of test durations, median (ms) |',
    '| --- | ---: | ---: | ---: | ---: |',
  ]
  const names = { off: 'no plugin', floor: 'empty `aroundEach` (floor)', on: '`leakscope()`' }
  for (const mode of modes) {
    lines.push(
      `| ${mode.env}: ${names[mode.plugin]} | ${mode.tests} | ${seconds(mode.medianWallMs)} | ` +
        `${seconds(mode.minWallMs)}-${seconds(mode.maxWallMs)} | ${mode.medianTestSumMs.toLocaleString('en-US')} |`,
    )
  }
  lines.push(
    '',
    '| plugin on / off | whole run | (median of per-round ratios) | sum of test durations | added per test (ms) | empty `aroundEach`: added per test (ms) |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  )
  for (const env of environments) {
    lines.push(
      `| ${env.env} | ${ratio(env.wallRatio)} (+${seconds(env.addedWallMs)} s) | ${ratio(env.wallRatioPerRound)} | ` +
        `${ratio(env.testSumRatio)} | ${env.addedPerTestMs} | ${env.floorAddedPerTestMs} |`,
    )
  }
  lines.push(
    '',
    '| Target | Value (node / browser) | Limit | Result |',
    '| --- | ---: | ---: | --- |',
    `| ${report.target.description}, on the whole-run wall time | ${environments.map((env) => ratio(env.wallRatio)).join(' / ')} | ` +
      `${ratio(LIMIT)} | ${environments.map((env) => `${env.env} ${env.met ? 'met' : '**missed**'}`).join(', ')} |`,
  )
  return lines.join('\n')
}

if (envs.length === 2) await writeDocTables('suite.mjs', markdown())
rmSync(outDir, { recursive: true, force: true })
