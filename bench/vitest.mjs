// Per-test overhead of @leakscope/vitest: one suite of 500 trivial tests (5 files x 100) run by
// the real Vitest CLI with the plugin off, with the plugin on (tasks + workers, the defaults),
// and with Vitest's own --detect-async-leaks. Modes are interleaved across rounds; each run uses
// one worker (--no-file-parallelism) to keep the shared machine's noise down.
// Per-test overhead = median test duration (Vitest's own per-test timing, which includes
// aroundEach) minus the plugin-off median; the whole-run wall time is reported as well.
// Usage: npm run build && node bench/vitest.mjs [--rounds N]
// LEAKSCOPE_BENCH_OPTIONS='{ workers: false }' passes options to the plugin for the 'on' mode.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { median } from './lib/stats.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const vitestBin = join(root, 'node_modules/vitest/vitest.mjs')
const dir = join(root, 'bench/.vitest-bench') // git-ignored (.vitest-*)
const roundsIndex = process.argv.indexOf('--rounds')
const rounds = roundsIndex === -1 ? 3 : Number(process.argv[roundsIndex + 1])
const FILES = 5
const TESTS_PER_FILE = 100

rmSync(dir, { recursive: true, force: true })
mkdirSync(join(dir, 'tests'), { recursive: true })
for (let file = 0; file < FILES; file++) {
  const tests = Array.from(
    { length: TESTS_PER_FILE },
    (_, i) => `test('trivial ${i}', () => { expect(${i} + 1).toBe(${i + 1}) })`,
  )
  writeFileSync(
    join(dir, `tests/trivial-${file}.test.ts`),
    `import { expect, test } from 'vitest'\n\n${tests.join('\n')}\n`,
  )
}
const config = (plugin) => `import { defineConfig } from 'vitest/config'
${plugin ? "import { leakscope } from '@leakscope/vitest'\n" : ''}
export default defineConfig({
  ${plugin ? `plugins: [leakscope(${process.env.LEAKSCOPE_BENCH_OPTIONS ?? ''})],` : ''}
  test: { include: ['tests/**/*.test.ts'] },
})
`
writeFileSync(join(dir, 'off.config.ts'), config(false))
// Vitest's own cost of an aroundEach hook that does nothing: the floor under any wrapper.
writeFileSync(
  join(dir, 'around.setup.ts'),
  "import { aroundEach } from 'vitest'\naroundEach(async (runTest) => { await runTest() })\n",
)
writeFileSync(
  join(dir, 'around.config.ts'),
  "import { defineConfig } from 'vitest/config'\nexport default defineConfig({ test: { include: ['tests/**/*.test.ts'], setupFiles: ['./around.setup.ts'] } })\n",
)
writeFileSync(join(dir, 'on.config.ts'), config(true))

const MODES = {
  off: ['--config', 'off.config.ts'],
  'empty aroundEach': ['--config', 'around.config.ts'],
  on: ['--config', 'on.config.ts'],
  'detect-async-leaks': ['--config', 'off.config.ts', '--detect-async-leaks'],
}

function runOnce(mode) {
  const out = join(dir, `result-${mode}.json`)
  const env = { ...process.env, NO_COLOR: '1' }
  const started = performance.now()
  try {
    execFileSync(
      process.execPath,
      [
        vitestBin,
        'run',
        '--root',
        dir,
        ...MODES[mode],
        '--no-file-parallelism',
        '--reporter=json',
        `--outputFile=${out}`,
      ],
      { env, stdio: 'ignore' },
    )
  } catch {
    throw new Error(`vitest run failed in mode ${mode}`)
  }
  const wall = performance.now() - started
  const json = JSON.parse(readFileSync(out, 'utf8'))
  const durations = json.testResults.flatMap((file) => file.assertionResults.map((t) => t.duration))
  if (durations.length !== FILES * TESTS_PER_FILE)
    throw new Error(`${mode}: ${durations.length} tests`)
  return { wall, durations }
}

const samples = Object.fromEntries(
  Object.keys(MODES).map((mode) => [mode, { walls: [], durations: [] }]),
)
for (let round = 0; round < rounds; round++) {
  const order = Object.keys(MODES)
  for (let i = 0; i < round % order.length; i++) order.push(order.shift())
  for (const mode of order) {
    const { wall, durations } = runOnce(mode)
    samples[mode].walls.push(wall)
    samples[mode].durations.push(...durations)
    process.stderr.write(`round ${round + 1}/${rounds} ${mode}: ${wall.toFixed(0)} ms\n`)
  }
}

const base = samples.off
const rows = Object.entries(samples).map(([mode, s]) => {
  const perTest = median(s.durations)
  const wall = median(s.walls)
  return {
    mode,
    medianTestMs: Number(perTest.toFixed(3)),
    addedPerTestMs: Number((perTest - median(base.durations)).toFixed(3)),
    medianWallMs: Math.round(wall),
    addedWallPerTestMs: Number(((wall - median(base.walls)) / (FILES * TESTS_PER_FILE)).toFixed(3)),
  }
})
console.table(rows)
mkdirSync(join(root, 'bench/results'), { recursive: true })
writeFileSync(
  join(root, 'bench/results/vitest.json'),
  JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      pluginOptions: process.env.LEAKSCOPE_BENCH_OPTIONS ?? '(defaults)',
      rounds,
      tests: FILES * TESTS_PER_FILE,
      rows,
    },
    null,
    2,
  ),
)
rmSync(dir, { recursive: true, force: true })
