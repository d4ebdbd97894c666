// Browser benchmark: setTimeout+clearTimeout and addEventListener+removeEventListener in headless
// Chromium, native vs inside an open scope with and without creation stacks, side by side in one
// page. Each round runs every variant once (order rotated), the tables show medians over rounds and
// the median of per-round ratios against native.
// Usage: node bench/browser.mjs [--rounds N] [--ops N] [--json]   (run `npm run build` first)
// Env: CHROMIUM_PATH (default /usr/bin/chromium).
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright'
import { build } from 'vite'

function option(name, fallback) {
  const index = process.argv.indexOf(name)
  return index === -1 ? fallback : Number(process.argv[index + 1])
}
const rounds = option('--rounds', 7)
const ops = option('--ops', 100_000)
const depth = 10

// The browser build as one classic script exposing `globalThis.leakscope`.
async function bundle() {
  const entry = fileURLToPath(new URL('../packages/core/dist/browser/index.js', import.meta.url))
  const output = await build({
    configFile: false,
    logLevel: 'error',
    define: { 'import.meta.url': JSON.stringify('leakscope://bench/browser/index.js') },
    build: {
      write: false,
      minify: false,
      lib: { entry, formats: ['iife'], name: 'leakscope', fileName: () => 'bench.js' },
    },
  })
  const result = Array.isArray(output) ? output[0] : output
  return result.output[0].code
}

// Runs in the page.
/* global EventTarget */
function pageBench({ variant, kind, ops, depth }) {
  const { noTaskLeaks } = globalThis.leakscope
  const target = new EventTarget()
  const noop = () => {}
  const body =
    kind === 'timer'
      ? () => {
          for (let i = 0; i < ops; i++) clearTimeout(setTimeout(noop, 1000))
        }
      : () => {
          for (let i = 0; i < ops; i++) {
            target.addEventListener('x', noop)
            target.removeEventListener('x', noop)
          }
        }
  const deep = (n) => (n === 0 ? body() : deep(n - 1))
  const scope =
    variant === 'native'
      ? undefined
      : noTaskLeaks({
          action: 'throw',
          grace: 0,
          creationStacks: variant === 'stacks',
        })
  const run = () => deep(depth)
  const start = performance.now()
  if (scope === undefined) run()
  else scope.run(run)
  const elapsed = performance.now() - start
  return (elapsed * 1e6) / ops
}

const VARIANTS = ['native', 'no-stacks', 'stacks']
const KINDS = ['timer', 'listener']
const LABEL = {
  native: 'native',
  'no-stacks': 'open scope, `creationStacks: false`',
  stacks: 'open scope, creation stacks (10 frames)',
}
const TITLE = {
  timer: '`setTimeout` + `clearTimeout`',
  listener: '`addEventListener` + `removeEventListener`',
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
})
try {
  const page = await browser.newPage()
  await page.addScriptTag({ content: await bundle() })
  const version = browser.version()
  const samples = {}
  for (const kind of KINDS) for (const v of VARIANTS) samples[`${kind}/${v}`] = []
  // Warm-up round, not recorded.
  for (const kind of KINDS)
    for (const variant of VARIANTS)
      await page.evaluate(pageBench, { variant, kind, ops: ops / 10, depth })
  for (let round = 0; round < rounds; round++) {
    for (const kind of KINDS) {
      const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length])
      for (const variant of order)
        samples[`${kind}/${variant}`].push(
          await page.evaluate(pageBench, { variant, kind, ops, depth }),
        )
    }
  }
  const result = { chromium: version, rounds, ops, depth, load: os.loadavg(), samples }
  if (process.argv.includes('--json')) console.log(JSON.stringify(result, null, 2))
  const lines = [
    `Chromium ${version}, ${os.cpus().length} cores, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}; ${rounds} rounds of ${ops.toLocaleString('en')} ops, ${depth} frames deep`,
  ]
  for (const kind of KINDS) {
    lines.push(
      '',
      `${TITLE[kind]} (ns/op)`,
      '',
      '| Variant | Median | Ratio |',
      '| --- | ---: | ---: |',
    )
    const native = samples[`${kind}/native`]
    for (const variant of VARIANTS) {
      const values = samples[`${kind}/${variant}`]
      const ratio = median(values.map((value, i) => value / native[i]))
      lines.push(`| ${LABEL[variant]} | ${median(values).toFixed(0)} | ${ratio.toFixed(2)}x |`)
    }
  }
  console.log(lines.join('\n'))
} finally {
  await browser.close()
}
