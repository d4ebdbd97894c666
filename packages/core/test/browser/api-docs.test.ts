import { expect, test } from 'vitest'
import * as leakscope from 'leakscope'
import * as sourceMap from 'leakscope/source-map'
import { SOURCE_MAP_SECTION, documentedExports, missingExports } from '../api-table.js'

async function apiDoc(): Promise<string> {
  const response = await fetch(new URL('../../../../docs/api.md', import.meta.url))
  expect(response.ok).toBe(true)
  return response.text()
}

test('every export documented in docs/api.md exists in the browser build, and vice versa', async () => {
  const documented = documentedExports(await apiDoc())
  expect(documented.length).toBeGreaterThan(10)
  expect(missingExports(documented, leakscope)).toEqual([])
  expect(Object.keys(leakscope).sort()).toEqual(
    documented.filter((name) => !name.includes('.')).sort(),
  )
})

// The entry is platform-neutral: it loads and decodes in a browser as in Node.
test('leakscope/source-map loads in the browser and matches its table', async () => {
  const documented = documentedExports(await apiDoc(), SOURCE_MAP_SECTION)
  expect(missingExports(documented, sourceMap)).toEqual([])
  expect(Object.keys(sourceMap).sort()).toEqual([...documented].sort())
  const inline = `data:application/json;base64,${btoa('{"version":3,"sources":["a.ts"],"names":[],"mappings":"AAAA"}')}`
  const map = await sourceMap.loadSourceMap(
    { url: 'http://h/a.js', text: `x()\n//# sourceMappingURL=${inline}` },
    { maxMapBytes: 1000, fetchMap: () => Promise.resolve(undefined) },
  )
  expect(map === undefined ? undefined : sourceMap.originalLocation(map, 1, 1)).toEqual({
    url: 'http://h/a.ts',
    line: 1,
    column: 1,
  })
})
