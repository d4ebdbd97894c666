import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'
import * as leakscope from 'leakscope'

// docs/api.md lists every runtime export in one table; this keeps the two in step.
function documentedExports(): string[] {
  const doc = readFileSync(new URL('../../../../docs/api.md', import.meta.url), 'utf8')
  const section = doc.split('## Runtime exports')[1]?.split('\n## ')[0] ?? ''
  return [...section.matchAll(/^\|\s*`([\w.]+)`\s*\|/gm)].map((match) => match[1] as string)
}

test('every export documented in docs/api.md exists in the Node build, and vice versa', () => {
  const documented = documentedExports()
  expect(documented.length).toBeGreaterThan(10)
  for (const name of documented) {
    const value = name
      .split('.')
      .reduce<unknown>((object, key) => (object as Record<string, unknown>)[key], leakscope)
    expect(value, name).toBeDefined()
  }
  expect(Object.keys(leakscope).sort()).toEqual(
    documented.filter((name) => !name.includes('.')).sort(),
  )
})
