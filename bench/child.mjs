// One benchmark variant in a fresh process: `node --expose-gc bench/child.mjs <variant> <json>`.
// Prints one JSON line: { variant, value } where value is ns per op (timer, await) or
// ns per scope (scope end). Only the variant's own machinery is loaded. The value is the
// fastest of `blocks` consecutive timed blocks (the sample's ops split evenly): on a shared
// machine the fastest block is the one other processes disturbed least, and every block
// carries its own share of garbage collection.
import { createHook } from 'node:async_hooks'
import { performance } from 'node:perf_hooks'

const [variant, rawConfig = '{}'] = process.argv.slice(2)
const config = {
  timerOps: 200_000,
  timerWarmup: 20_000,
  anchorOps: 50_000,
  awaitOps: 500_000,
  awaitWarmup: 50_000,
  scopes: 2_000,
  scopeWarmup: 300,
  depth: 25,
  blocks: 5,
  ...JSON.parse(rawConfig),
}

const gc = globalThis.gc ?? (() => {})
// References saved at load, before any scope opens, as a library that keeps its own copy
// would: calls through them never meet leakscope's timer wrappers (variant 1j).
const savedSetTimeout = globalThis.setTimeout
const savedClearTimeout = globalThis.clearTimeout
const quiet = { action: 'log', logger: { warn() {} } }

function noop() {}

// Runs fn under `depth` extra frames, so stack capture walks a realistic test-runner depth
// rather than a near-empty stack.
function atDepth(depth, fn) {
  return depth <= 0 ? fn() : atDepth(depth - 1, fn)
}

// The globals, read at every call, as test code calls them.
function timerLoop(n) {
  for (let i = 0; i < n; i++) clearTimeout(setTimeout(noop, 1000))
}

function savedTimerLoop(n) {
  for (let i = 0; i < n; i++) savedClearTimeout(savedSetTimeout(noop, 1000))
}

// ms on the chosen clock: wall time, or the process's CPU time (user + system, every thread),
// which time slices given to other processes do not inflate. Ending a scope is always timed
// on the wall clock: a wait inside it would use no CPU and must still count.
const clock =
  config.clock === 'cpu' && !variant.startsWith('end/')
    ? () => {
        const { user, system } = process.cpuUsage()
        return (user + system) / 1000
      }
    : () => performance.now()

async function fastestBlock(ops, block) {
  const perBlock = Math.ceil(ops / config.blocks)
  let best = Infinity
  for (let i = 0; i < config.blocks; i++) {
    const start = clock()
    await block(perBlock)
    best = Math.min(best, ((clock() - start) * 1e6) / perBlock)
  }
  return best
}

function measureTimers(ops = config.timerOps, loop = timerLoop) {
  atDepth(config.depth, () => loop(config.timerWarmup))
  gc()
  return fastestBlock(ops, (n) => atDepth(config.depth, () => loop(n)))
}

async function awaitLoop(n) {
  const resolved = Promise.resolve()
  for (let i = 0; i < n; i++) await resolved
}

async function measureAwaits() {
  await awaitLoop(config.awaitWarmup)
  gc()
  return fastestBlock(config.awaitOps, awaitLoop)
}

async function measureScopes(endOne) {
  for (let i = 0; i < config.scopeWarmup; i++) await endOne()
  gc()
  return fastestBlock(config.scopes, async (n) => {
    for (let i = 0; i < n; i++) await endOne()
  })
}

async function leakscope() {
  const { noTaskLeaks } = await import('../packages/core/dist/node/index.js')
  return noTaskLeaks
}

// Opens a scope, creates and clears one timer in it, ends it: leakscope is loaded and has been
// used, but no scope is open while measuring.
async function afterOneScope() {
  const noTaskLeaks = await leakscope()
  const scope = noTaskLeaks(quiet)
  await scope.run(() => clearTimeout(setTimeout(noop, 1000)))
  if ((await scope.check()).length > 0) throw new Error('unexpected findings')
}

async function inScope(options, measure) {
  const noTaskLeaks = await leakscope()
  let value
  await noTaskLeaks({ ...quiet, ...options }).run(async () => {
    value = await measure()
  })
  return value
}

// --- Anchors: re-implementations of other tools' documented mechanisms (not their code). ---

// why-is-node-running: an init hook keeps the structured CallSite array of every resource
// (Error.prepareStackTrace returning its callsites), a destroy hook forgets it.
function anchorCallSites() {
  const active = new Map()
  const callSites = (_error, sites) => sites
  createHook({
    init(asyncId, type, _trigger, resource) {
      const previous = Error.prepareStackTrace
      Error.prepareStackTrace = callSites
      const holder = {}
      Error.captureStackTrace(holder)
      const stacks = holder.stack
      Error.prepareStackTrace = previous
      active.set(asyncId, { type, stacks, resource })
    },
    destroy(asyncId) {
      active.delete(asyncId)
    },
  }).enable()
}

// Jest --detectOpenHandles: init hook captures an Error (deep limit, formatted only when a
// handle is reported) into a Map by asyncId; a destroy hook removes it.
function anchorJest() {
  const handles = new Map()
  function init(asyncId, type, _trigger, resource) {
    const limit = Error.stackTraceLimit
    Error.stackTraceLimit = Math.max(100, limit)
    const error = {}
    Error.captureStackTrace(error, init)
    Error.stackTraceLimit = limit
    handles.set(asyncId, { type, error, resource })
  }
  createHook({
    init,
    destroy(asyncId) {
      handles.delete(asyncId)
    },
  }).enable()
}

// Vitest --detect-async-leaks: init hook stores the formatted `new Error().stack` string of
// every resource; a destroy hook removes it.
function anchorVitest() {
  const resources = new Map()
  createHook({
    init(asyncId, type) {
      resources.set(asyncId, { type, stack: new Error('leak').stack })
    },
    destroy(asyncId) {
      resources.delete(asyncId)
    },
  }).enable()
}

// The floor of any creation stack: a wrapper that only captures 10 frames, cut at itself.
function referenceCapture() {
  const original = globalThis.setTimeout
  globalThis.setTimeout = function setTimeout(callback, delay) {
    const holder = {}
    const limit = Error.stackTraceLimit
    Error.stackTraceLimit = 10
    Error.captureStackTrace(holder, setTimeout)
    Error.stackTraceLimit = limit
    return original(callback, delay)
  }
}

const variants = {
  // 1. setTimeout + clearTimeout per op
  'timer/native': () => measureTimers(),
  'timer/scope-no-stacks': () => inScope({ creationStacks: false }, measureTimers),
  'timer/scope-stacks': () => inScope({}, measureTimers),
  'timer/scope-stacks-3': () => inScope({ stackFrames: 3 }, measureTimers),
  'timer/scope-callback': () => inScope({ creationStacks: 'callback' }, measureTimers),
  'timer/scope-global': () =>
    inScope({ creationStacks: false, attribution: 'global' }, measureTimers),
  'timer/scope-stacks-saved': () =>
    inScope({}, () => measureTimers(config.timerOps, savedTimerLoop)),
  'timer/ref-init-hook': () => {
    createHook({ init() {} }).enable()
    return measureTimers()
  },
  'timer/ref-capture': () => {
    referenceCapture()
    return measureTimers()
  },
  'timer/after-scope': async () => {
    await afterOneScope()
    return measureTimers()
  },
  'timer/anchor-why-is-node-running': () => {
    anchorCallSites()
    return measureTimers(config.anchorOps)
  },
  'timer/anchor-jest': () => {
    anchorJest()
    return measureTimers(config.anchorOps)
  },
  'timer/anchor-vitest': () => {
    anchorVitest()
    return measureTimers(config.anchorOps)
  },
  // 2. await of a resolved promise
  'await/native': () => measureAwaits(),
  'await/init-hook': () => {
    createHook({ init() {} }).enable()
    return measureAwaits()
  },
  'await/scope': () => inScope({}, measureAwaits),
  'await/scope-promise': () => inScope({ kinds: ['promise'] }, measureAwaits),
  'await/destroy-hook': () => {
    createHook({ init() {}, destroy() {} }).enable()
    return measureAwaits()
  },
  'await/after-scope': async () => {
    await afterOneScope()
    return measureAwaits()
  },
  // 3. ending a clean scope
  'end/check': async () => {
    const noTaskLeaks = await leakscope()
    return measureScopes(() => noTaskLeaks(quiet).check())
  },
  'end/run': async () => {
    const noTaskLeaks = await leakscope()
    return measureScopes(() => noTaskLeaks(quiet).run(async () => {}))
  },
}

const measure = variants[variant]
if (measure === undefined) {
  console.error(`unknown variant ${variant}; known: ${Object.keys(variants).join(', ')}`)
  process.exit(2)
}
const value = await measure()
console.log(JSON.stringify({ variant, value }))
