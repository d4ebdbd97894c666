// Placeholder smoke test (tooling): proves the core-node project runs and that 'leakscope'
// resolves to the Node build through the `node` export condition.
import { expect, test } from 'vitest'
import * as leakscope from 'leakscope'
import * as nodeBuild from '../../dist/node/index.js'

test("'leakscope' resolves to dist/node under the node condition", () => {
  expect(leakscope).toBe(nodeBuild)
  expect(Object.keys(leakscope).length).toBeGreaterThan(0)
  expect(typeof process.versions.node).toBe('string')
})

test('the default-condition entry throws a helpful error', async () => {
  await expect(import('../../dist/unsupported.js')).rejects.toThrow(/needs Node\.js >=20\.19/)
})
