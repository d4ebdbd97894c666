// noWorkerLeaks bench: the cost tracking adds to creating and terminating a worker, in Node.js
// (worker_threads) and headless Chromium (Web Worker), side by side with native in one run.
// Node: every variant runs in its own fresh child (`native` never loads leakscope); Chromium: one
// page that has the browser build loaded. Each round runs every variant once, order rotated. The
// tables show medians over rounds and the median of per-round ratios / differences vs native.
// Two ops per runtime:
// - "started": create, wait until the worker runs (Node 'online', Chromium its first message),
//   then terminate (Node: await terminate()). This is how workers are really used.
// - "immediate": create and terminate at once, before the thread started: mostly the bookkeeping.
// "ctor" is the time spent inside the synchronous `new Worker(...)` call alone.
// Usage: node bench/workers.mjs [--rounds N] [--ops N] [--no-node24] [--no-browser] (build first)
// Env: CHROMIUM_PATH (default /usr/bin/chromium).
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import { extname, join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'
import workerThreads from 'node:worker_threads'
import { median, numberOption } from './lib/stats.mjs'

const self = fileURLToPath(import.meta.url)
const root = fileURLToPath(new URL('..', import.meta.url))
const VARIANTS = ['native', 'no-stacks', 'stacks']
const LABEL = {
  native: 'native',
  'no-stacks': 'open scope, `creationStacks: false`',
  stacks: 'open scope, creation stacks (10 frames)',
}
const KINDS = ['started', 'immediate']

// ---- Node child: one sample of every kind for one variant, as JSON on stdout (µs/op).
async function nodeChild(variant, ops) {
  const scope =
    variant === 'native'
      ? undefined
      : (await import('../packages/core/dist/node/index.js')).noWorkerLeaks({
          action: 'log',
          logger: { warn() {} },
          grace: 0,
          creationStacks: variant === 'stacks',
        })
  const once = async (kind) => {
    const start = performance.now()
    // Read at call time, as `import { Worker }` would: the scope swaps it for its Proxy.
    const worker = new workerThreads.Worker('', { eval: true })
    const ctor = performance.now() - start
    if (kind === 'started') await new Promise((resolve) => worker.once('online', resolve))
    await worker.terminate()
    return ctor
  }
  const body = async () => {
    const result = {}
    for (const kind of KINDS) {
      for (let i = 0; i < 3; i++) await once(kind) // warm-up
      let ctor = 0
      const start = performance.now()
      for (let i = 0; i < ops; i++) ctor += await once(kind)
      const total = performance.now() - start
      result[kind] = { op: (total * 1e3) / ops, ctor: (ctor * 1e3) / ops }
    }
    return result
  }
  const result = scope === undefined ? await body() : await scope.run(body)
  if (scope !== undefined) result.leaks = (await scope.check()).length
  console.log(JSON.stringify(result))
}

// ---- Chromium page: runs in the page, `globalThis.leakscope` is the browser build.
/* global Blob */
async function pageBench({ variant, ops }) {
  const url = URL.createObjectURL(new Blob(['postMessage(0)'], { type: 'text/javascript' }))
  const scope =
    variant === 'native'
      ? undefined
      : globalThis.leakscope.noWorkerLeaks({
          action: 'log',
          logger: { warn() {} },
          grace: 0,
          creationStacks: variant === 'stacks',
        })
  const once = async (kind) => {
    const start = performance.now()
    const worker = new globalThis.Worker(url)
    const ctor = performance.now() - start
    if (kind === 'started') await new Promise((resolve) => (worker.onmessage = resolve))
    worker.terminate()
    return ctor
  }
  const body = async () => {
    const result = {}
    for (const kind of ['started', 'immediate']) {
      const n = kind === 'started' ? ops : ops * 10
      for (let i = 0; i < 3; i++) await once(kind)
      let ctor = 0
      const start = performance.now()
      for (let i = 0; i < n; i++) ctor += await once(kind)
      const total = performance.now() - start
      result[kind] = { op: (total * 1e3) / n, ctor: (ctor * 1e3) / n }
    }
    return result
  }
  const result = scope === undefined ? await body() : await scope.run(body)
  if (scope !== undefined) result.leaks = (await scope.check()).length
  URL.revokeObjectURL(url)
  return result
}

// Serves the page and packages/core/dist (plain ES modules) on 127.0.0.1.
function serve() {
  const dist = join(root, 'packages/core/dist')
  const page = `<!doctype html><script type="module">
import * as leakscope from '/dist/browser/index.js'; globalThis.leakscope = leakscope
</script>`
  const server = http.createServer((request, response) => {
    // Cross-origin isolated: performance.now() at 5 µs instead of 100 µs resolution.
    response.setHeader('cross-origin-opener-policy', 'same-origin')
    response.setHeader('cross-origin-embedder-policy', 'require-corp')
    const path = new URL(request.url, 'http://x').pathname
    if (path === '/') {
      response.setHeader('content-type', 'text/html')
      return response.end(page)
    }
    const file = normalize(join(dist, path.replace(/^\/dist\//, '')))
    if (!path.startsWith('/dist/') || !file.startsWith(dist) || !existsSync(file)) {
      response.statusCode = 404
      return response.end()
    }
    const type = extname(file) === '.js' ? 'text/javascript' : 'application/octet-stream'
    response.setHeader('content-type', type)
    response.end(readFileSync(file))
  })
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, port: server.address().port })),
  )
}

async function main() {
  const rounds = numberOption('--rounds', 5)
  const ops = numberOption('--ops', 20)
  const started = Date.now()
  const loadStart = os.loadavg()
  const nodes = [{ label: `Node ${process.version}`, path: process.execPath }]
  const node24 = join(root, '.ci/node24/node_modules/.bin/node')
  if (!process.argv.includes('--no-node24') && existsSync(node24)) {
    const version = execFileSync(node24, ['--version'], { encoding: 'utf8' }).trim()
    nodes.push({ label: `Node ${version}`, path: node24 })
  }
  let browser
  let page
  let server
  const runtimes = nodes.map((node) => node.label)
  if (!process.argv.includes('--no-browser')) {
    const { chromium } = await import('playwright')
    const served = await serve()
    server = served.server
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      headless: true,
    })
    page = await browser.newPage()
    await page.goto(`http://127.0.0.1:${served.port}/`)
    await page.waitForFunction(() => globalThis.leakscope !== undefined)
    if (!(await page.evaluate(() => globalThis.crossOriginIsolated)))
      console.warn('page not cross-origin isolated: timers at 100 µs resolution')
    runtimes.push(`Chromium ${browser.version()}`)
    for (const variant of VARIANTS) await page.evaluate(pageBench, { variant, ops: 5 }) // warm-up
  }
  const samples = {}
  const leaks = {}
  for (const runtime of runtimes) for (const v of VARIANTS) samples[`${runtime}/${v}`] = []
  try {
    for (let round = 0; round < rounds; round++) {
      const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length])
      for (const node of nodes)
        for (const variant of order) {
          const out = execFileSync(node.path, [self, '--child', variant, String(ops)], {
            encoding: 'utf8',
          })
          const sample = JSON.parse(out.trim().split('\n').pop())
          samples[`${node.label}/${variant}`].push(sample)
        }
      if (page !== undefined)
        for (const variant of order)
          samples[`${runtimes.at(-1)}/${variant}`].push(
            await page.evaluate(pageBench, { variant, ops }),
          )
    }
  } finally {
    await browser?.close()
    server?.close()
  }
  const loadEnd = os.loadavg()
  const seconds = (Date.now() - started) / 1e3
  const lines = [
    `${os.cpus()[0]?.model ?? 'cpu'}, ${os.cpus().length} cores; ${rounds} rounds, ${ops} ops ` +
      `per sample (x10 for Chromium "immediate"); load ${loadStart[0].toFixed(2)} at start, ` +
      `${loadEnd[0].toFixed(2)} at end; ${seconds.toFixed(1)} s`,
  ]
  const summary = {}
  for (const runtime of runtimes)
    for (const kind of KINDS) {
      lines.push(
        '',
        `${runtime}, ${kind === 'started' ? 'create, wait until running, terminate' : 'create + terminate at once'} (µs/op)`,
        '',
        '| Variant | Median | Ratio | Added | ctor median |',
        '| --- | ---: | ---: | ---: | ---: |',
      )
      const native = samples[`${runtime}/native`]
      for (const variant of VARIANTS) {
        const list = samples[`${runtime}/${variant}`]
        const op = list.map((s) => s[kind].op)
        const row = {
          median: median(op),
          ratio: median(op.map((value, i) => value / native[i][kind].op)),
          added: median(op.map((value, i) => value - native[i][kind].op)),
          ctor: median(list.map((s) => s[kind].ctor)),
          spread: Math.max(...op) / Math.min(...op),
        }
        summary[`${runtime}/${kind}/${variant}`] = row
        leaks[`${runtime}/${variant}`] = list.map((s) => s.leaks ?? 0)
        lines.push(
          `| ${LABEL[variant]} | ${row.median.toFixed(0)} | ${row.ratio.toFixed(2)}x | ` +
            `${row.added.toFixed(0)} | ${row.ctor.toFixed(0)} |`,
        )
      }
    }
  const found = Object.values(leaks)
    .flat()
    .reduce((a, b) => a + b, 0)
  lines.push('', `Workers reported as leaked by the scopes (expected 0): ${found}`)
  console.log(lines.join('\n'))
  const result = {
    date: new Date().toISOString(),
    machine: {
      cpu: os.cpus()[0]?.model,
      cores: os.cpus().length,
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      loadStart,
      loadEnd,
    },
    runtimes,
    rounds,
    ops,
    seconds,
    summary,
    leaks,
    samples,
  }
  mkdirSync(join(root, 'bench/results'), { recursive: true })
  writeFileSync(join(root, 'bench/results/workers.json'), `${JSON.stringify(result, null, 2)}\n`)
}

const childIndex = process.argv.indexOf('--child')
if (childIndex !== -1)
  await nodeChild(process.argv[childIndex + 1], Number(process.argv[childIndex + 2]))
else await main()
