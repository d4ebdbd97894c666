// The specs' `test`: @leakscope/playwright's, plus the playground served on 127.0.0.1 for the
// whole worker (started before its first test, closed after its last) as the `baseURL`.
import { test as leakscopeTest } from '@leakscope/playwright'
import type { StackFrame } from 'leakscope'
import { lineOf, startPlayground } from 'leakscope-playground/server'
import type { Playground } from 'leakscope-playground/server'

export { expect, leakscope } from '@leakscope/playwright'

export const test = leakscopeTest.extend<object, { playground: Playground }>({
  playground: [
    // eslint-disable-next-line no-empty-pattern -- Playwright reads the fixture list from it
    async ({}, use) => {
      const playground = await startPlayground({ port: 0 })
      try {
        await use(playground)
      } finally {
        await playground.close()
      }
    },
    { scope: 'worker' },
  ],
  baseURL: async ({ playground }, use) => {
    await use(playground.url)
  },
})

/** Where a route's leaking line is: its source file and the line marked `// LEAK`. */
export function leakSite(source: string): { file: string; line: number } {
  return { file: source, line: lineOf(source, '// LEAK') }
}

/** `file:line` as a stack frame of the served app shows it, e.g. `src/routes/interval.ts:18:`. */
export function siteText(site: { file: string; line: number }): string {
  return `/${site.file}:${site.line}:`
}

/** The frame that created an item: the first of its creation stack. */
export function creator(item: { creationStack?: StackFrame[] }): StackFrame | undefined {
  return item.creationStack?.[0]
}

// eslint-disable-next-line no-control-regex
const plain = (text: string): string => text.replace(/\u001b\[[0-9;]*m/g, '')

/** The message of a failing assertion, without colours; throws if it passed. */
export async function failureOf(assertion: Promise<void>): Promise<string> {
  const error: unknown = await assertion.then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!(error instanceof Error)) throw new Error('expected the assertion to fail')
  return plain(error.message)
}
