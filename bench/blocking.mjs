// noEventLoopBlocking throughput bench: every variant in its own fresh child, variants rotated
// across rounds, medians and ratios vs no detector. Also runs the accuracy fixture.
// Usage: node bench/blocking.mjs [--rounds N] [--hops N] [--seconds S]
// Workloads: chained setImmediate hops; chained setTimeout(0) hops; requests/s of a local HTTP
// server driven by a second process (keep-alive, 8 in flight).
// Variants: none; an open leakscope blocking scope; async_hooks before/after per-callback
// timing (the mechanism of blocked-at and asyncio's slow-callback debug); a plain
// monitorEventLoopDelay histogram.
import { execFileSync, fork } from 'node:child_process'
import { createHook } from 'node:async_hooks'
import { mkdirSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { median, numberOption } from './lib/stats.mjs'

const self = fileURLToPath(import.meta.url)

async function startVariant(variant) {
  if (variant === 'leakscope') {
    const { noEventLoopBlocking } = await import('leakscope')
    const scope = noEventLoopBlocking({ action: 'log', logger: { warn() {} } })
    await scope.ready
    return async () => (await scope.check()).length
  }
  if (variant === 'async-hooks') {
    // Per-callback timing as blocked-at does it (without its stack capture in init).
    const starts = new Map()
    let slow = 0
    const hook = createHook({
      before(id) {
        starts.set(id, process.hrtime.bigint())
      },
      after(id) {
        const start = starts.get(id)
        starts.delete(id)
        if (start !== undefined && process.hrtime.bigint() - start > 100_000_000n) slow++
      },
    }).enable()
    return async () => {
      hook.disable()
      return slow
    }
  }
  if (variant === 'eld') {
    const histogram = monitorEventLoopDelay({ resolution: 10 })
    histogram.enable()
    return async () => {
      histogram.disable()
      return histogram.max > 100e6 ? 1 : 0
    }
  }
  return async () => 0
}

function immediateHops(count) {
  return new Promise((resolve) => {
    let left = count
    const hop = () => (--left > 0 ? setImmediate(hop) : resolve())
    setImmediate(hop)
  })
}

function timeoutHops(count) {
  return new Promise((resolve) => {
    let left = count
    const hop = () => (--left > 0 ? setTimeout(hop, 0) : resolve())
    setTimeout(hop, 0)
  })
}

async function httpRequests(seconds) {
  const server = http.createServer((request, response) => response.end('ok'))
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  const driver = fork(self, ['--driver', String(port), String(seconds)], { stdio: 'pipe' })
  let output = ''
  driver.stdout.on('data', (chunk) => (output += chunk))
  await new Promise((resolve) => driver.once('exit', resolve))
  server.close()
  return Number(output.trim())
}

async function driver(port, seconds) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 })
  const end = performance.now() + seconds * 1000
  let done = 0
  const one = () =>
    new Promise((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, agent }, (response) => {
          response.resume()
          response.on('end', resolve)
        })
        .on('error', reject)
    })
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (performance.now() < end) {
        await one()
        done++
      }
    }),
  )
  agent.destroy()
  console.log(String(done / seconds))
}

async function child(variant, workload, amount) {
  const stop = await startVariant(variant)
  const start = performance.now()
  let value
  if (workload === 'immediate') {
    await immediateHops(amount)
    value = performance.now() - start
  } else if (workload === 'timeout') {
    await timeoutHops(amount)
    value = performance.now() - start
  } else value = await httpRequests(amount)
  const found = await stop()
  process.send?.({ value, found })
}

function runChild(variant, workload, amount) {
  return new Promise((resolve, reject) => {
    const worker = fork(self, ['--child', variant, workload, String(amount)])
    worker.once('message', resolve)
    worker.once('exit', (code) => code !== 0 && reject(new Error(`${variant} exited ${code}`)))
  })
}

async function main() {
  const rounds = numberOption('--rounds', 5)
  const workloads = [
    ['immediate', numberOption('--hops', 1_000_000), 'ms for 1,000,000 setImmediate hops'],
    ['timeout', numberOption('--timeouts', 3_000), 'ms for 3,000 setTimeout(0) hops'],
    ['http', numberOption('--seconds', 3), 'HTTP requests/s'],
  ]
  const variants = ['none', 'leakscope', 'async-hooks', 'eld']
  const results = {}
  for (const [workload, amount, unit] of workloads) {
    const samples = Object.fromEntries(variants.map((v) => [v, []]))
    for (let round = 0; round < rounds; round++) {
      const order = variants.map((_, i) => variants[(i + round) % variants.length])
      for (const variant of order)
        samples[variant].push((await runChild(variant, workload, amount)).value)
    }
    const base = median(samples.none)
    results[workload] = { unit, samples }
    console.log(`\n${unit} (median of ${rounds}; ratio vs none, >1 = slower)`)
    for (const variant of variants) {
      const value = median(samples[variant])
      const ratio = workload === 'http' ? base / value : value / base
      console.log(
        `  ${variant.padEnd(12)} ${value.toFixed(workload === 'http' ? 0 : 1).padStart(10)}  x${ratio.toFixed(3)}`,
      )
      results[workload][variant] = { median: value, ratio }
    }
  }
  const accuracy = JSON.parse(
    execFileSync(process.execPath, [
      fileURLToPath(
        new URL('../packages/core/test/node/fixtures/blocking-accuracy.mjs', import.meta.url),
      ),
    ]).toString(),
  )
  console.log('\naccuracy (measured by the blocking code itself vs reported)')
  for (const [name, { actual, blocks }] of Object.entries(accuracy)) {
    console.log(
      `  ${name.padEnd(15)} actual ${actual.map((a) => a.toFixed(1)).join(', ') || '-'}; reported ${blocks.length} block(s): ${blocks.map((b) => b.duration).join(', ')}`,
    )
  }
  const out = fileURLToPath(new URL('./results/', import.meta.url))
  mkdirSync(out, { recursive: true })
  let json = `${JSON.stringify({ node: process.version, cpus: os.cpus().length, load: os.loadavg(), results, accuracy }, null, 2)}\n`
  try {
    const prettier = await import('prettier')
    const options = (await prettier.resolveConfig(out)) ?? {}
    json = await prettier.format(json, { ...options, parser: 'json' })
  } catch {
    // Without prettier the JSON stays as JSON.stringify wrote it.
  }
  writeFileSync(`${out}blocking.json`, json)
}

if (process.argv[2] === '--child')
  await child(process.argv[3], process.argv[4], Number(process.argv[5]))
else if (process.argv[2] === '--driver')
  await driver(Number(process.argv[3]), Number(process.argv[4]))
else await main()
