import { expect, test } from 'vitest'
import { noTaskLeaks } from 'leakscope'

// Vitest maps leakscope's dist frames back to packages/core/src through source maps; neither
// form may appear in a creation stack.
test('creation stacks hold no leakscope frames, even source-mapped ones', async () => {
  const scope = noTaskLeaks({ action: 'log', logger: { warn() {} }, stackFrames: 30 })
  // Inside run(), leakscope's own run() frames sit below the user's on the stack.
  const handle = await scope.run(() => setInterval(function ownFrames() {}, 1000))
  const leaks = await scope.check()
  clearInterval(handle)
  const urls = leaks.flatMap((task) => task.creationStack ?? []).map((frame) => frame.url)
  expect(urls.length).toBeGreaterThan(0)
  expect(urls.filter((url) => /packages\/core\/(src|dist)\//.test(url))).toEqual([])
})
