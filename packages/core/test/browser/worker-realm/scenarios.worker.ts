// leakscope's browser build inside a dedicated worker (worker-realm.test.ts): each message names
// a scenario; the reply is plain data (what was found, and what the realm looks like after).
import { activeScopeCount, noEventLoopBlocking, noTaskLeaks, type LeakedTask } from 'leakscope'

interface WorkerScope {
  postMessage(data: unknown): void
  addEventListener(type: string, listener: (event: MessageEvent) => void): void
  removeEventListener(type: string, listener: (event: MessageEvent) => void): void
}

const self = globalThis as unknown as WorkerScope
const silent = { action: 'log', logger: { warn() {} }, grace: 0 } as const
// Read at load, while no scope is open.
const originals = {
  setTimeout: globalThis.setTimeout,
  setInterval: globalThis.setInterval,
  addEventListener: EventTarget.prototype.addEventListener,
  removeEventListener: EventTarget.prototype.removeEventListener,
  MessageChannel: globalThis.MessageChannel,
}

function restored(): boolean {
  return (
    globalThis.setTimeout === originals.setTimeout &&
    globalThis.setInterval === originals.setInterval &&
    EventTarget.prototype.addEventListener === originals.addEventListener &&
    EventTarget.prototype.removeEventListener === originals.removeEventListener &&
    globalThis.MessageChannel === originals.MessageChannel
  )
}

function summary(leaks: readonly LeakedTask[]) {
  return leaks.map((leak) => ({
    kind: leak.kind,
    name: leak.name,
    functionName: leak.creationStack?.[0]?.functionName,
    path: new URL(leak.creationStack?.[0]?.url ?? 'about:blank').pathname,
  }))
}

function tick(): void {}
function firstTick(): void {}
function secondTick(): void {}
function onPing(): void {}

function leaveWork(): void {
  setInterval(tick, 1000)
  self.addEventListener('message', onPing)
  new MessageChannel().port1.onmessage = onPing
}

function cleanUpAfterWork(): Promise<void> {
  clearInterval(setInterval(tick, 1000))
  self.addEventListener('message', onPing)
  self.removeEventListener('message', onPing)
  const channel = new MessageChannel()
  channel.port1.onmessage = onPing
  channel.port1.close()
  return new Promise((resolve) => setTimeout(resolve, 5))
}

const scenarios: Record<string, () => Promise<unknown>> = {
  async leaky() {
    const scope = noTaskLeaks(silent)
    await scope.run(leaveWork)
    const leaks = await scope.check()
    for (const leak of leaks) leak.cancel()
    return { found: summary(leaks), restored: restored(), active: activeScopeCount() }
  },
  async clean() {
    const scope = noTaskLeaks({ ...silent, action: 'throw' })
    await scope.run(cleanUpAfterWork)
    const leaks = await scope.check()
    return { found: summary(leaks), restored: restored(), active: activeScopeCount() }
  },
  // Two scopes at once, each leaving a timer from a timer callback of its own.
  async concurrent() {
    const first = noTaskLeaks(silent)
    const second = noTaskLeaks(silent)
    const later = (callback: () => void) => () =>
      new Promise<void>((resolve) => {
        setTimeout(() => {
          setTimeout(callback, 60_000)
          resolve()
        }, 1)
      })
    await Promise.all([first.run(later(firstTick)), second.run(later(secondTick))])
    const [a, b] = await Promise.all([first.check(), second.check()])
    const names = (leaks: readonly LeakedTask[]) => leaks.map((leak) => leak.name)
    for (const leak of [...a, ...b]) leak.cancel()
    return { first: names(a), second: names(b), restored: restored() }
  },
  async blocking() {
    const scope = noEventLoopBlocking({ action: 'log', logger: { warn() {} }, threshold: 50 })
    await scope.ready
    const until = performance.now() + 150
    while (performance.now() < until) {
      // busy on purpose
    }
    const blocks = await scope.check()
    return { durations: blocks.map((block) => block.duration), active: activeScopeCount() }
  },
}

self.addEventListener('message', (event) => {
  const run = scenarios[String(event.data)]
  if (run === undefined) {
    self.postMessage({ error: `no scenario ${String(event.data)}` })
    return
  }
  run().then(
    (result) => self.postMessage({ result }),
    (error: unknown) => self.postMessage({ error: String((error as Error).stack ?? error) }),
  )
})
self.postMessage({ ready: true })
