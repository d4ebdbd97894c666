// In its own file: leakscope reports only its first internal fault per realm.
import { expect, test, vi } from 'vitest'
import { noTaskLeaks } from 'leakscope'

test('a prototype frozen while the listener patches outlive the scope: the last wrapped listener is still removed, and the fault is reported', async () => {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
  const target = new EventTarget()
  let calls = 0
  const onPing = (): void => {
    calls++
  }
  const scope = noTaskLeaks({ action: 'log', logger: { warn() {} }, grace: 0 })
  // Inside run() the DOM holds leakscope's wrapper, so the patches stay after the scope.
  await scope.run(() => target.addEventListener('ping', onPing))
  expect(await scope.check()).toHaveLength(1)
  const proto = EventTarget.prototype
  const descriptors = Object.getOwnPropertyDescriptors(proto)
  Object.defineProperty(proto, 'addEventListener', { writable: false })
  Object.defineProperty(proto, 'removeEventListener', { writable: false })
  let messages: string[]
  try {
    // Putting the methods back now fails: the page's call must still do what it asked.
    expect(() => target.removeEventListener('ping', onPing)).not.toThrow()
    target.dispatchEvent(new Event('ping'))
    expect(calls).toBe(0)
  } finally {
    Object.defineProperty(proto, 'addEventListener', descriptors.addEventListener ?? {})
    Object.defineProperty(proto, 'removeEventListener', descriptors.removeEventListener ?? {})
    messages = warn.mock.calls.map((call) => String(call[0]))
    warn.mockRestore()
  }
  expect(messages.filter((m) => m.includes('internal error'))).toHaveLength(1)
})
