import { expect, test } from 'vitest'
import * as leakscope from 'leakscope'
import { documentedExports, missingExports } from '../api-table.js'

test('every export documented in docs/api.md exists in the browser build, and vice versa', async () => {
  const response = await fetch(new URL('../../../../docs/api.md', import.meta.url))
  expect(response.ok).toBe(true)
  const documented = documentedExports(await response.text())
  expect(documented.length).toBeGreaterThan(10)
  expect(missingExports(documented, leakscope)).toEqual([])
  expect(Object.keys(leakscope).sort()).toEqual(
    documented.filter((name) => !name.includes('.')).sort(),
  )
})
