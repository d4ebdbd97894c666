// Browser benchmark: setTimeout+clearTimeout and addEventListener+removeEventListener in headless
// Chromium, native vs inside an open scope with and without creation stacks, side by side.
//
// Three Chromiums, launched with the same flags, run the same jobs interleaved (one job at a time
// over the whole run, order rotated every round):
// - plain: nothing attached to the page. This is what an app's users and a plain page get.
// - cdp: a CDP client attached the way Playwright (and so Vitest browser mode) attaches, with the
//   Runtime domain enabled. V8 then walks up to 200 frames for every captured stack (the
//   inspector's limit for uncaught-exception stacks), whatever `Error.stackTraceLimit` says.
// - devtools: as cdp, plus `Debugger.enable` and async call stacks (depth 32), which is what an
//   open DevTools window does: every scheduled callback then records its async stack.
// The page drives itself: it asks the server for its next job and posts the sample back, so the
// plain Chromium needs no debugging client at all.
// Usage: node bench/browser.mjs [--rounds N] [--ops N] [--modes plain,cdp,devtools] [--json]
//        [--dist <another dist/ to bench; prints only>]
//        (run `npm run build` first). Env: CHROMIUM_PATH (default /usr/bin/chromium).
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright'
import { build } from 'vite'
import { writeDocTables, writeResults } from './lib/output.mjs'
import { argValue, median, round1 } from './lib/stats.mjs'

const option = (name, fallback) => argValue(name) ?? fallback
const rounds = Number(option('--rounds', 7))
const ops = Number(option('--ops', 2_000))
const MODES = option('--modes', 'plain,cdp,devtools').split(',')
const depth = 10
const INSPECTED_OPS_DIVISOR = 5
// Each job takes this many short samples in a row; see the note on percentiles in report().
const SAMPLES_PER_JOB = Number(option('--samples', 10))
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
// `--dist <dir>`: bench another build (say, an older one) and only print the tables.
const distOverride = option('--dist', undefined)

// The browser build as one classic script exposing `globalThis.leakscope`.
async function bundle() {
  const entry =
    distOverride === undefined
      ? fileURLToPath(new URL('../packages/core/dist/browser/index.js', import.meta.url))
      : `${distOverride}/browser/index.js`
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

// Runs in the page: one sample (ns/op) of one variant. Only the operations are timed; a scope's end
// (and the removal of its patches) is awaited after the clock stops, so every sample starts with
// no scope open.
/* global EventTarget, fetch */
async function pageBench({ variant, kind, ops, depth }) {
  const { noTaskLeaks } = globalThis.leakscope
  const target = new EventTarget()
  const noop = () => {}
  const holder = {}
  const body =
    kind === 'timer'
      ? () => {
          for (let i = 0; i < ops; i++) clearTimeout(setTimeout(noop, 1000))
        }
      : kind === 'listener'
        ? () => {
            for (let i = 0; i < ops; i++) {
              target.addEventListener('x', noop)
              target.removeEventListener('x', noop)
            }
          }
        : () => {
            // The floor of a creation stack: one capture, nothing else.
            const limit = Error.stackTraceLimit
            Error.stackTraceLimit = variant === 'floor-1' ? 1 : 10
            for (let i = 0; i < ops; i++) Error.captureStackTrace(holder)
            Error.stackTraceLimit = limit
          }
  const deep = (n) => (n === 0 ? body() : deep(n - 1))
  const run = () => deep(depth)
  // The hand-made trackers below patch the page's timer and listener methods: timed with their
  // patches in place, which are taken off again whatever happens.
  const proto = EventTarget.prototype
  const methods = () => [
    globalThis.setTimeout,
    globalThis.clearTimeout,
    proto.addEventListener,
    proto.removeEventListener,
  ]
  const timedPatched = (originals) => {
    const start = performance.now()
    try {
      run()
    } finally {
      ;[
        globalThis.setTimeout,
        globalThis.clearTimeout,
        proto.addEventListener,
        proto.removeEventListener,
      ] = originals
    }
    return ((performance.now() - start) * 1e6) / ops
  }
  if (variant === 'anchor-zone') {
    // The mechanism of zone.js's TaskTrackingZoneSpec, reduced to its core (a lower bound of its
    // cost: zone.js also wraps every callback in a task object): an Error created per task with
    // the default stack limit, kept in an array, removed by indexOf and splice.
    const originals = methods()
    const [, , addOriginal, removeOriginal] = originals
    const tasks = []
    const byId = new Map()
    globalThis.setTimeout = function (callback, ...rest) {
      const task = { creationLocation: new Error('Task macroTask from setTimeout.') }
      tasks.push(task)
      const id = originals[0].call(globalThis, callback, ...rest)
      byId.set(id, task)
      return id
    }
    globalThis.clearTimeout = function (id) {
      const task = byId.get(id)
      if (task !== undefined) {
        byId.delete(id)
        tasks.splice(tasks.indexOf(task), 1)
      }
      return originals[1].call(globalThis, id)
    }
    proto.addEventListener = function (type, callback, options) {
      tasks.push({ target: this, type, callback, creationLocation: new Error('Task eventTask.') })
      return addOriginal.call(this, type, callback, options)
    }
    proto.removeEventListener = function (type, callback, options) {
      for (let i = tasks.length - 1; i >= 0; i--) {
        const task = tasks[i]
        if (task.target === this && task.type === type && task.callback === callback) {
          tasks.splice(i, 1)
          break
        }
      }
      return removeOriginal.call(this, type, callback, options)
    }
    return timedPatched(originals)
  }
  if (variant === 'floor-tracker' || variant === 'floor-tracker-no-clock') {
    // The least any tracker that keeps a creation time must do, for one scope and with no context
    // carried: a record per item holding its key and Date.now(), findable by the session (a list,
    // or a Map by id) and dropped again on removal. `-no-clock` leaves out the clock alone.
    const clock = variant === 'floor-tracker' ? Date.now : () => 0
    const originals = methods()
    const [setOriginal, clearOriginal, addOriginal, removeOriginal] = originals
    const timers = new Map()
    const byTarget = new WeakMap()
    // What a scope's end reads: a list swept of removed records when it has doubled (cheaper per
    // listener than a Set's add and delete).
    let listeners = []
    let sweepAt = 64
    const sweep = () => {
      listeners = listeners.filter((r) => !r.done)
      sweepAt = Math.max(64, listeners.length * 2)
    }
    globalThis.setTimeout = function (callback, delay) {
      const id = setOriginal.call(globalThis, callback, delay)
      timers.set(id, { createdAt: clock() })
      return id
    }
    globalThis.clearTimeout = function (id) {
      timers.delete(id)
      return clearOriginal.call(globalThis, id)
    }
    // Plain loops over a per-target linked list (no closures, no arrays to splice): the cheapest
    // shape found for this; leakscope's own uses the same.
    const captureOf = (options) =>
      typeof options === 'boolean' ? options : options != null && Boolean(options.capture)
    proto.addEventListener = function (type, callback, options) {
      const capture = captureOf(options)
      let head = byTarget.get(this)
      if (head === undefined) byTarget.set(this, (head = { next: undefined }))
      let found = false
      for (let r = head.next; r !== undefined; r = r.next)
        if (r.callback === callback && r.type === type && r.capture === capture) found = true
      if (!found) {
        const record = { next: head.next, callback, type, capture, done: false, createdAt: clock() }
        head.next = record
        if (listeners.length >= sweepAt) sweep()
        listeners.push(record)
      }
      return addOriginal.call(this, type, callback, options)
    }
    proto.removeEventListener = function (type, callback, options) {
      const capture = captureOf(options)
      const head = byTarget.get(this)
      if (head !== undefined)
        for (let previous = head, r = head.next; r !== undefined; previous = r, r = r.next)
          if (r.callback === callback && r.type === type && r.capture === capture) {
            previous.next = r.next
            r.done = true
            break
          }
      return removeOriginal.call(this, type, callback, options)
    }
    const sample = timedPatched(originals)
    sweep()
    if (timers.size !== 0 || listeners.length !== 0) throw new Error('the floor tracker leaked')
    return sample
  }
  const options = {
    'no-stacks': { creationStacks: false },
    'no-stacks-global': { creationStacks: false, attribution: 'global' },
    stacks: { creationStacks: true },
    'stacks-1': { creationStacks: true, stackFrames: 1 },
  }[variant]
  const scope = options && noTaskLeaks({ action: 'throw', grace: 0, ...options })
  let ended
  const start = performance.now()
  if (scope === undefined) run()
  else if (options.attribution === 'global') run()
  else ended = scope.run(run)
  const elapsed = performance.now() - start
  await (ended ?? scope?.check())
  return (elapsed * 1e6) / ops
}

// Runs in the page: fetch a job, run it, post the sample, until the server says done.
async function pageLoop(mode) {
  for (;;) {
    const job = await (await fetch(`/next?mode=${mode}`)).json()
    if (job.done) return
    const values = []
    for (let i = 0; i < job.samples; i++) values.push(await pageBench(job))
    await fetch('/result', { method: 'POST', body: JSON.stringify({ values }) })
  }
}

const VARIANTS = {
  timer: [
    'native',
    'no-stacks',
    'no-stacks-global',
    'stacks',
    'stacks-1',
    'anchor-zone',
    'floor-tracker',
    'floor-tracker-no-clock',
  ],
  listener: [
    'native',
    'no-stacks',
    'no-stacks-global',
    'stacks',
    'stacks-1',
    'anchor-zone',
    'floor-tracker',
    'floor-tracker-no-clock',
  ],
  capture: ['floor', 'floor-1'],
}
const KINDS = Object.keys(VARIANTS)
const LABEL = {
  native: 'native',
  'no-stacks': 'open scope, `creationStacks: false`',
  stacks: 'open scope, creation stacks (10 frames)',
  'no-stacks-global': "open scope, `creationStacks: false`, `attribution: 'global'`",
  'stacks-1': 'open scope, `stackFrames: 1`',
  'anchor-zone': 'floor of zone.js task tracking: a `new Error()` per task',
  'floor-tracker': 'floor of any tracker: a record with key and `Date.now()`, found and dropped',
  'floor-tracker-no-clock': 'the same floor without `Date.now()`',
  floor: '`Error.captureStackTrace`, 10 frames, alone',
  'floor-1': '`Error.captureStackTrace`, 1 frame, alone',
}
const TITLE = {
  timer: '`setTimeout` + `clearTimeout` (ns/op)',
  listener: '`addEventListener` + `removeEventListener` (ns/op)',
  capture: 'One stack capture (ns/op)',
}
const MODE_TITLE = {
  plain: 'plain page',
  cdp: 'CDP attached (Playwright, Vitest)',
  devtools: 'DevTools open (Debugger, async stacks)',
}

const percentile = (values, p) => [...values].sort((a, b) => a - b)[Math.floor(values.length * p)]
// The job list: a warm-up pass (not recorded), then `rounds` rounds; every round runs every
// (kind, variant) in every mode, the variants' and the modes' order rotated.
const jobs = []
for (let round = -1; round < rounds; round++) {
  const r = Math.max(round, 0)
  for (const kind of KINDS) {
    const variants = VARIANTS[kind]
    for (let v = 0; v < variants.length; v++) {
      const variant = variants[(v + r) % variants.length]
      for (let m = 0; m < MODES.length; m++) {
        const mode = MODES[(m + r + v) % MODES.length]
        // An inspector makes every op 3-50x slower: fewer ops keep those samples about as long.
        const modeOps = mode === 'plain' ? ops : ops / INSPECTED_OPS_DIVISOR
        jobs.push({ round, kind, variant, mode, ops: modeOps, samples: SAMPLES_PER_JOB, depth })
      }
    }
  }
}

const script = `${await bundle()}
${pageBench.toString()}
${pageLoop.toString()}
pageLoop(new URLSearchParams(location.search).get('mode'))`
const html = `<!doctype html><meta charset="utf-8"><title>leakscope bench</title><script>${script.replace(/<\/script/g, '<\\/script')}</script>`

let next = 0
const waiting = new Map() // mode -> response waiting for its job
const samples = {}
let finished
const allDone = new Promise((resolve) => (finished = resolve))

function dispatch() {
  if (next >= jobs.length) {
    for (const [mode, res] of waiting) {
      waiting.delete(mode)
      res.end(JSON.stringify({ done: true }))
    }
    finished()
    return
  }
  const job = jobs[next]
  const res = waiting.get(job.mode)
  if (res === undefined) return
  waiting.delete(job.mode)
  res.end(JSON.stringify(job))
}

let started = false
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost')
  if (url.pathname === '/next') {
    res.setHeader('content-type', 'application/json')
    waiting.set(url.searchParams.get('mode'), res)
    if (started) dispatch()
    return
  }
  if (url.pathname === '/result') {
    let text = ''
    req.on('data', (chunk) => (text += chunk))
    req.on('end', () => {
      res.end('ok')
      const job = jobs[next++]
      if (job.round >= 0) {
        const key = `${job.mode}/${job.kind}/${job.variant}`
        ;(samples[key] ??= []).push(...JSON.parse(text).values)
      }
      if (next % 20 === 0) console.error(`${next}/${jobs.length} samples`)
      dispatch()
    })
    return
  }
  res.setHeader('content-type', 'text/html')
  // Cross-origin isolated: performance.now() resolves 5 µs instead of 100 µs.
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin')
  res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp')
  res.end(html)
})
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
const origin = `http://127.0.0.1:${server.address().port}`

// Every mode starts its own Chromium with the same flags (Playwright's main headless ones) and a
// DevTools port; only the cdp and devtools modes ever connect to it.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-background-timer-throttling',
  '--disable-backgrounding-occluded-windows',
  '--disable-renderer-backgrounding',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-extensions',
  '--no-first-run',
  '--no-default-browser-check',
  '--mute-audio',
  '--hide-scrollbars',
  '--remote-debugging-port=0',
]
const processes = []
// Interrupted runs must not leave their Chromiums behind.
for (const signal of ['SIGINT', 'SIGTERM'])
  process.once(signal, () => {
    for (const child of processes) child.kill()
    process.exit(130)
  })
const connections = []
const profiles = []

async function launch(mode) {
  const profile = mkdtempSync(join(os.tmpdir(), 'leakscope-bench-'))
  profiles.push(profile)
  // The page opens blank and is navigated only once any client is attached, so every job of a
  // mode runs under the same conditions.
  const child = spawn(executablePath, [...ARGS, `--user-data-dir=${profile}`, 'about:blank'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  processes.push(child)
  const endpoint = await new Promise((resolve, reject) => {
    let text = ''
    child.stderr.on('data', (chunk) => {
      text += chunk
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(text)
      if (match) resolve(match[1])
    })
    child.once('exit', (code) => reject(new Error(`chromium exited (${code}): ${text}`)))
  })
  const url = `${origin}/?mode=${mode}`
  if (mode === 'plain') {
    // Open the page through the browser-level endpoint's HTTP API: no client attaches to it.
    const port = new URL(endpoint).port
    const response = await fetch(`http://127.0.0.1:${port}/json/new?${url}`, { method: 'PUT' })
    if (!response.ok) throw new Error(`could not open the plain page: ${response.status}`)
    return
  }
  const browser = await chromium.connectOverCDP(endpoint)
  connections.push(browser)
  const context = browser.contexts()[0] ?? (await browser.newContext())
  const page = await context.newPage()
  if (mode === 'devtools') {
    const session = await context.newCDPSession(page)
    await session.send('Debugger.enable')
    await session.send('Debugger.setAsyncCallStackDepth', { maxDepth: 32 })
  }
  await page.goto(url)
}

let version
try {
  for (const mode of MODES) await launch(mode)
  {
    const browser = await chromium.launch({ executablePath, headless: true })
    version = browser.version()
    await browser.close()
  }
  // Wait until every page asked for work, then start handing out jobs.
  while (MODES.some((mode) => !waiting.has(mode))) await new Promise((r) => setTimeout(r, 50))
  const loadAtStart = os.loadavg()
  const startedAt = performance.now()
  started = true
  dispatch()
  await allDone
  const seconds = (performance.now() - startedAt) / 1000
  await report(loadAtStart, seconds)
} finally {
  for (const connection of connections) await connection.close().catch(() => {})
  for (const child of processes) child.kill()
  server.close()
  await new Promise((r) => setTimeout(r, 300))
  for (const profile of profiles) rmSync(profile, { recursive: true, force: true })
}

async function report(loadAtStart, seconds) {
  const results = []
  for (const mode of MODES)
    for (const kind of KINDS) {
      const native = samples[`${mode}/${kind}/native`]
      for (const variant of VARIANTS[kind]) {
        const values = samples[`${mode}/${kind}/${variant}`]
        // On a shared machine a sample is often slowed by other processes taking the CPU; the
        // fastest tenth of the samples is what the code costs when it has the core. Ratios and
        // differences are taken between those, within this run; medians are kept alongside.
        const entry = {
          mode,
          kind,
          variant,
          fast: round1(percentile(values, 0.1)),
          median: round1(median(values)),
          samples: values.map(round1),
        }
        if (native !== undefined && variant !== 'native') {
          const base = percentile(native, 0.1)
          entry.ratio = Math.round((entry.fast / base) * 100) / 100
          entry.addedNs = round1(entry.fast - base)
          entry.medianRatio = Math.round((median(values) / median(native)) * 100) / 100
        }
        results.push(entry)
      }
    }
  const find = (mode, kind, variant) =>
    results.find((e) => e.mode === mode && e.kind === kind && e.variant === variant)
  const targets = []
  if (MODES.includes('plain'))
    for (const kind of ['timer', 'listener']) {
      const noStacks = find('plain', kind, 'no-stacks')
      const stacks = find('plain', kind, 'stacks')
      targets.push(
        {
          description: `${kind} in scope without stacks <= 1.3x native (plain page)`,
          value: noStacks.ratio,
          limit: 1.3,
          pass: noStacks.ratio <= 1.3,
        },
        {
          description: `${kind}: creation stacks add <= 3 us per creation (plain page; ns)`,
          value: stacks.addedNs,
          limit: 3000,
          pass: stacks.addedNs <= 3000,
        },
      )
    }
  const load = [loadAtStart[0], os.loadavg()[0]].map((l) => l.toFixed(1))
  const machine = `Chromium ${version}, ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores; ${rounds} rounds of ${SAMPLES_PER_JOB} samples of ${ops.toLocaleString('en')} ops (${(ops / INSPECTED_OPS_DIVISOR).toLocaleString('en')} with CDP or DevTools), ${depth} frames deep; load average ${load[0]} at the start and ${load[1]} at the end; the run took ${seconds.toFixed(0)} s (${new Date().toISOString().slice(0, 10)})`
  const number = (value) => value.toLocaleString('en-US', { maximumFractionDigits: 0 })
  const lines = [machine, '']
  for (const kind of KINDS) {
    lines.push(
      `| ${TITLE[kind]} | ${MODES.map((m) => `${MODE_TITLE[m]}: fast | ratio | added`).join(' | ')} |`,
      `| --- | ${MODES.map(() => '---: | ---: | ---:').join(' | ')} |`,
    )
    for (const variant of VARIANTS[kind]) {
      const cells = MODES.map((mode) => {
        const e = find(mode, kind, variant)
        return `${number(e.fast)} | ${e.ratio === undefined ? '' : `${e.ratio.toFixed(2)}x`} | ${e.addedNs === undefined ? '' : number(e.addedNs)}`
      })
      lines.push(`| ${LABEL[variant]} | ${cells.join(' | ')} |`)
    }
    lines.push('')
  }
  lines.push('| Target | Value | Limit | Result |', '| --- | ---: | ---: | --- |')
  for (const t of targets)
    lines.push(`| ${t.description} | ${t.value} | ${t.limit} | ${t.pass ? 'met' : '**missed**'} |`)
  const table = lines.join('\n')
  console.log(table)
  const json = {
    generatedAt: new Date().toISOString(),
    chromium: version,
    rounds,
    ops,
    depth,
    modes: MODES,
    load,
    seconds,
    results,
    targets,
  }
  if (process.argv.includes('--json')) console.log(JSON.stringify(json, null, 2))
  if (distOverride !== undefined) return
  await writeResults('browser', json)
  // docs/benchmarks.md carries the tables between markers; a full run (all modes) rewrites them.
  if (MODES.length === 3) await writeDocTables('browser.mjs', table)
}
