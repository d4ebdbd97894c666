import { expect, test } from 'vitest'

test('the browser build fails clearly when loaded in Node.js', async () => {
  await expect(import('../../dist/browser/index.js')).rejects.toThrow(
    /browser build of leakscope .* loaded outside a browser or web worker.*`node` export condition/s,
  )
})
