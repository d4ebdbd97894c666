// Ground truth from the Chrome DevTools Protocol: the browser's own listener list and live-object
// counts agree with what leakscope reports.
import { expect, test } from 'vitest'
import { cdp } from 'vitest/browser'
import { noTaskLeaks } from 'leakscope'
import { quiet, wait } from './helpers.js'

interface RemoteObject {
  objectId?: string
  value?: unknown
}
interface Session {
  send(method: string, params?: object): Promise<unknown>
  on(event: string, listener: (event: { context: { id: number } }) => void): void
}

// The test runs in an iframe; DOMDebugger.getEventListeners only reports listeners of the
// object's own context, so evaluate in the test frame's context, found by a marker global.
const MARKER = `__leakscope_cdp_${Math.random().toString(36).slice(2)}`

/** How long the test frame's execution context is looked for (the test gets 10 s more). */
const CONTEXT_WAIT_MS = 15_000

async function testContext(session: Session): Promise<number> {
  const contexts: number[] = []
  session.on('Runtime.executionContextCreated', (event) => contexts.push(event.context.id))
  // Subscribing and events both travel over Vitest's channel, separately from commands: let the
  // subscription land, and re-enable (which replays every context) until the events arrive.
  await wait(50)
  await session.send('Runtime.enable')
  // A deadline, not a count of attempts: in a full CI run on a loaded machine no event had come
  // after 200 attempts (2.4 s).
  const checked = new Set<number>()
  const deadline = performance.now() + CONTEXT_WAIT_MS
  let reenabled = performance.now()
  while (performance.now() < deadline) {
    if (contexts.length === 0 && performance.now() - reenabled >= 200) {
      await session.send('Runtime.disable')
      await session.send('Runtime.enable')
      reenabled = performance.now()
    }
    for (const contextId of contexts) {
      if (checked.has(contextId)) continue
      checked.add(contextId)
      const { result } = (await session.send('Runtime.evaluate', {
        expression: `globalThis.${MARKER} === true`,
        contextId,
        returnByValue: true,
      })) as { result: RemoteObject }
      if (result.value === true) return contextId
    }
    await wait(10)
  }
  throw new Error(
    `the test frame’s execution context was not found among ${contexts.length} in ${CONTEXT_WAIT_MS} ms`,
  )
}

async function remote(session: Session, contextId: number, expression: string): Promise<string> {
  const { result } = (await session.send('Runtime.evaluate', { expression, contextId })) as {
    result: RemoteObject
  }
  if (result.objectId === undefined) throw new Error(`no object for ${expression}`)
  return result.objectId
}

async function liveCount(session: Session, contextId: number, prototype: string): Promise<number> {
  const prototypeObjectId = await remote(session, contextId, prototype)
  const { objects } = (await session.send('Runtime.queryObjects', { prototypeObjectId })) as {
    objects: RemoteObject
  }
  const { result } = (await session.send('Runtime.callFunctionOn', {
    objectId: objects.objectId,
    functionDeclaration: 'function () { return this.length }',
    returnByValue: true,
  })) as { result: RemoteObject }
  return result.value as number
}

// Unreachable once it returns: Runtime.queryObjects (which collects first) must not count it.
function observeThenDisconnect(target: Node): void {
  const observer = new MutationObserver(() => {})
  observer.observe(target, { attributes: true })
  observer.disconnect()
}

test(
  'listener and observer counts match DOMDebugger.getEventListeners and Runtime.queryObjects',
  async () => {
    const session = cdp() as unknown as Session
    const g = globalThis as unknown as Record<string, unknown>
    g[MARKER] = true
    const contextId = await testContext(session)
    const before = await liveCount(session, contextId, 'MutationObserver.prototype')

    const scope = noTaskLeaks({ ...quiet, grace: 0 })
    const button = document.createElement('button')
    document.body.append(button)
    g.__leakscopeButton = button
    const kept = [function a() {}, function b() {}, function c() {}]
    for (const listener of kept) button.addEventListener('click', listener)
    button.addEventListener('click', kept[0] as () => void, true) // another key: capture
    const removed = (): void => {}
    button.addEventListener('click', removed)
    button.removeEventListener('click', removed)
    button.addEventListener('focus', () => {}, { once: true })
    button.dispatchEvent(new FocusEvent('focus'))
    const controller = new AbortController()
    button.addEventListener('blur', () => {}, { signal: controller.signal })
    controller.abort()

    const observers = [1, 2].map(() => new MutationObserver(() => {}))
    for (const observer of observers) observer.observe(button, { attributes: true })
    observeThenDisconnect(button)
    await wait(1)

    const leaks = await scope.check()
    const { listeners } = (await session.send('DOMDebugger.getEventListeners', {
      objectId: await remote(session, contextId, '__leakscopeButton'),
    })) as { listeners: { type: string; useCapture: boolean }[] }
    // queryObjects collects garbage first: the disconnected, unreferenced observer is gone.
    const after = await liveCount(session, contextId, 'MutationObserver.prototype')
    await session.send('Runtime.disable')

    for (const listener of kept) button.removeEventListener('click', listener)
    button.removeEventListener('click', kept[0] as () => void, true)
    for (const observer of observers) observer.disconnect()
    button.remove()
    delete g.__leakscopeButton
    delete g[MARKER]

    const leakedListeners = leaks.filter((t) => t.kind === 'listener')
    expect(leakedListeners).toHaveLength(4)
    expect(listeners.map((l) => `${l.type}/${l.useCapture}`).sort()).toEqual([
      'click/false',
      'click/false',
      'click/false',
      'click/true',
    ])
    expect(leakedListeners.length).toBe(listeners.length)
    expect(leaks.filter((t) => t.kind === 'observer')).toHaveLength(2)
    expect(after - before).toBe(2)
  },
  CONTEXT_WAIT_MS + 10_000,
)
