import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'
import * as leakscope from 'leakscope'
import { documentedExports, missingExports } from '../api-table.js'

// docs/api.md lists every runtime export in one table; this keeps the two in step (the browser
// build has the same check in test/browser/api-docs.test.ts).
test('every export documented in docs/api.md exists in the Node build, and vice versa', () => {
  const documented = documentedExports(
    readFileSync(new URL('../../../../docs/api.md', import.meta.url), 'utf8'),
  )
  expect(documented.length).toBeGreaterThan(10)
  expect(missingExports(documented, leakscope)).toEqual([])
  expect(Object.keys(leakscope).sort()).toEqual(
    documented.filter((name) => !name.includes('.')).sort(),
  )
})
