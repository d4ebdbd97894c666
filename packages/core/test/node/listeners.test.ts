import { EventEmitter } from 'node:events'
import { setTimeout as wait } from 'node:timers/promises'
import { describe, expect, test } from 'vitest'
import { activeScopeCount, noTaskLeaks } from 'leakscope'

const quiet = { action: 'log', logger: { warn() {} }, grace: 0, kinds: ['listener'] } as const

// Made before any scope: the long-lived emitters a listener can leak on.
const bus = new EventEmitter()
const originals = {
  on: EventEmitter.prototype.on,
  addListener: EventEmitter.prototype.addListener,
  prependListener: EventEmitter.prototype.prependListener,
  init: (EventEmitter as unknown as { init: unknown }).init,
}

function onSignal(): void {}

function subscribe(): void {
  process.on('SIGUSR2', onSignal)
}

describe("EventEmitter listeners (opt-in: kinds: ['listener'])", () => {
  test('a listener left on process is a leak, at the line that added it; cancel removes it', async () => {
    const before = process.listenerCount('SIGUSR2')
    const scope = noTaskLeaks(quiet)
    subscribe()
    const leaks = await scope.check()
    expect(leaks.map((t) => [t.kind, t.name, t.state, t.detail])).toEqual([
      ['listener', 'onSignal', 'open', "'SIGUSR2' on process"],
    ])
    expect(leaks[0]?.creationStack?.[0]?.functionName).toBe('subscribe')
    expect(leaks[0]?.creationStack?.[0]?.url).toMatch(/listeners\.test\.ts$/)
    leaks[0]?.cancel()
    expect(process.listenerCount('SIGUSR2')).toBe(before)
  })

  test('off, removeListener, removeAllListeners and a once that fired remove it: clean', async () => {
    const scope = noTaskLeaks({ ...quiet, action: 'throw' })
    const a = (): void => {}
    const b = (): void => {}
    bus.on('a', a)
    bus.off('a', a)
    bus.addListener('b', b)
    bus.removeListener('b', b)
    bus.prependListener('c', () => {})
    bus.on('c', () => {})
    bus.removeAllListeners('c')
    bus.once('d', () => {})
    bus.emit('d')
    await expect(scope.check()).resolves.toEqual([])
  })

  test('a once that never fired is reported under its own function name', async () => {
    const scope = noTaskLeaks(quiet)
    bus.once('never', function whenReady() {})
    bus.prependOnceListener('never', function first() {})
    const leaks = await scope.check()
    bus.removeAllListeners('never')
    expect(leaks.map((t) => t.name).sort()).toEqual(['first', 'whenReady'])
  })

  test('listeners on emitters made inside the scope are its own objects’: not reported', async () => {
    const scope = noTaskLeaks({ ...quiet, action: 'throw' })
    const local = new EventEmitter()
    local.on('data', () => {})
    class Widget extends EventEmitter {}
    new Widget().on('change', () => {})
    await expect(scope.check()).resolves.toEqual([])
  })

  test('an emitter made during an earlier scope is older than the next one', async () => {
    let kept: EventEmitter | undefined
    await noTaskLeaks({ ...quiet, action: 'throw' }).run(() => {
      kept = new EventEmitter()
    })
    const scope = noTaskLeaks(quiet)
    kept?.on('later', function onLater() {})
    const leaks = await scope.check()
    kept?.removeAllListeners()
    expect(leaks.map((t) => [t.name, t.detail])).toEqual([['onLater', "'later' on EventEmitter"]])
  })

  test('not tracked by default (libraries add process listeners for good at first use)', async () => {
    const scope = noTaskLeaks({ action: 'throw', grace: 0 })
    bus.on('default', () => {})
    await expect(scope.check()).resolves.toEqual([])
    bus.removeAllListeners('default')
  })

  test('scopes run side by side each see only their own', async () => {
    const first = noTaskLeaks(quiet)
    const second = noTaskLeaks(quiet)
    await Promise.all([
      first.run(async () => {
        await wait(2)
        bus.on('shared', function fromFirst() {})
      }),
      second.run(async () => {
        await wait(1)
        bus.on('shared', function fromSecond() {})
      }),
    ])
    const [a, b] = await Promise.all([first.check(), second.check()])
    bus.removeAllListeners('shared')
    expect(a.map((t) => t.name)).toEqual(['fromFirst'])
    expect(b.map((t) => t.name)).toEqual(['fromSecond'])
  })

  test('the emitter keeps its own errors, and the patches are restored exactly', async () => {
    const scope = noTaskLeaks(quiet)
    expect(EventEmitter.prototype.on).not.toBe(originals.on)
    expect(EventEmitter.prototype.on.name).toBe(originals.on.name)
    expect(() => bus.on('bad', 42 as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    )
    await scope.check()
    expect(activeScopeCount()).toBe(0)
    expect(EventEmitter.prototype.on).toBe(originals.on)
    expect(EventEmitter.prototype.addListener).toBe(originals.addListener)
    expect(EventEmitter.prototype.prependListener).toBe(originals.prependListener)
    expect((EventEmitter as unknown as { init: unknown }).init).toBe(originals.init)
  })
})
