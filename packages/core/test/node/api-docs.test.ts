import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'
import * as leakscope from 'leakscope'
import * as sourceMap from 'leakscope/source-map'
import { SOURCE_MAP_SECTION, documentedExports, missingExports } from '../api-table.js'

const doc = readFileSync(new URL('../../../../docs/api.md', import.meta.url), 'utf8')

// docs/api.md lists every runtime export in one table; this keeps the two in step (the browser
// build has the same check in test/browser/api-docs.test.ts).
test('every export documented in docs/api.md exists in the Node build, and vice versa', () => {
  const documented = documentedExports(doc)
  expect(documented.length).toBeGreaterThan(10)
  expect(missingExports(documented, leakscope)).toEqual([])
  expect(Object.keys(leakscope).sort()).toEqual(
    documented.filter((name) => !name.includes('.')).sort(),
  )
})

test('the leakscope/source-map table of docs/api.md matches the entry', () => {
  const documented = documentedExports(doc, SOURCE_MAP_SECTION)
  expect(documented.length).toBeGreaterThan(3)
  expect(missingExports(documented, sourceMap)).toEqual([])
  expect(Object.keys(sourceMap).sort()).toEqual([...documented].sort())
})
