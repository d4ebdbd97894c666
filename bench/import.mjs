// What loading leakscope costs a fresh Node process (Vitest starts one per test file in Node
// mode): the bundled entry (`import 'leakscope'`, one module) against the same code as tsc's
// per-file modules (the ~20 files the bundle replaces, still in dist/ for their types), and
// against importing only the builtins the entry loads (`node:inspector` is loaded at first use). Each sample is a new `node` process that
// times its own imports; variants are rotated across rounds.
// Usage: npm run build && node bench/import.mjs [--rounds N]
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { writeDocTables, writeResults } from './lib/output.mjs'
import { loadAverage, machineInfo, median, numberOption, round1 } from './lib/stats.mjs'

const rounds = numberOption('--rounds', 15)
const dist = fileURLToPath(new URL('../packages/core/dist/', import.meta.url))
const BUILTINS = [
  'async_hooks',
  'child_process',
  'diagnostics_channel',
  'fs',
  'module',
  'net',
  'os',
  'path',
  'timers',
  'url',
  'worker_threads',
]
const VARIANTS = {
  'builtins only': BUILTINS.map((name) => `node:${name}`),
  'leakscope, bundled (what the package loads)': [`${dist}node/index.js`],
  'leakscope, one module per file (tsc output)': [
    `${dist}shared/index.js`,
    `${dist}node/tasks.js`,
    `${dist}node/workers.js`,
    `${dist}node/blocking.js`,
  ],
}

function sample(specifiers) {
  const code = `const t0 = performance.now()
for (const s of ${JSON.stringify(specifiers)}) await import(s.startsWith('node:') ? s : 'file://' + s)
process.stdout.write(String(performance.now() - t0))`
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    encoding: 'utf8',
  })
  if (child.status !== 0) throw new Error(`sample failed: ${child.stderr}`)
  return Number(child.stdout)
}

const loadAtStart = loadAverage()
const names = Object.keys(VARIANTS)
const samples = Object.fromEntries(names.map((name) => [name, []]))
for (let round = 0; round < rounds; round++) {
  for (let i = 0; i < names.length; i++) {
    const name = names[(round + i) % names.length]
    samples[name].push(sample(VARIANTS[name]))
  }
}
const medians = Object.fromEntries(names.map((name) => [name, median(samples[name])]))
const machine = machineInfo(loadAtStart)
const rows = names.map(
  (name) =>
    `| ${name} | ${round1(medians[name])} | ${round1(Math.min(...samples[name]))}-${round1(Math.max(...samples[name]))} |`,
)
const markdown = [
  `${machine.cpuModel}, ${machine.cores} cores; Node ${process.version}; ${rounds} rounds, a fresh process per sample. Load average ${machine.loadAverageAtStart[0]} at the start and ${machine.loadAverageAtEnd[0]} at the end.`,
  '',
  '| import in a fresh process | median (ms) | range (ms) |',
  '| --- | ---: | ---: |',
  ...rows,
].join('\n')
console.log(markdown)
await writeResults('import', { machine, node: process.version, rounds, samples, medians })
await writeDocTables('import.mjs', markdown)
