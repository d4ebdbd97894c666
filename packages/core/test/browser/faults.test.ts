// In its own file: leakscope reports only its first internal fault per realm.
import { expect, test, vi } from 'vitest'
import { noTaskLeaks } from 'leakscope'

test('the callback still runs when leakscope’s bookkeeping throws, and the fault is reported once', async () => {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
  const scope = noTaskLeaks({ action: 'throw' })
  let ran = 0
  const callback = (): void => {
    ran++
  }
  Object.defineProperty(callback, 'name', {
    get() {
      throw new Error('hostile name getter')
    },
  })
  setTimeout(callback, 0)
  setTimeout(callback, 0)
  await new Promise<void>((resolve) => setTimeout(resolve, 20))
  expect(await scope.check()).toEqual([])
  expect(ran).toBe(2)
  const messages = warn.mock.calls.map((call) => String(call[0]))
  warn.mockRestore()
  expect(messages.filter((m) => m.includes('internal error'))).toHaveLength(1)
  expect(messages[0]).toMatch(/hostile name getter/)
})
