// Small helpers shared by the specs.
import { expect } from '@leakscope/playwright'

// eslint-disable-next-line no-control-regex
export const plain = (text: string): string => text.replace(/\u001b\[[0-9;]*m/g, '')

/** The failure message of an assertion that must fail. */
export async function failureOf(assertion: Promise<unknown>): Promise<string> {
  const error: unknown = await assertion.then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!(error instanceof Error)) throw new Error('expected the assertion to fail')
  return plain(error.message)
}

// The pattern Playwright 1.65 parses every line of an error with (playwright-core stackTrace.ts):
// the lines it matches are printed a second time as the error's stack.
const PLAYWRIGHT_FRAME =
  /^(?:\s*at )?(?:(new) )?(?:(.*?) \()?(?:eval at ([^ ]+) \((.+?):(\d+):(\d+)\), )?(?:(.+?):(\d+):(\d+)|(native))(\)?)$/

/** No line of `message` may look like a stack frame to Playwright's reporter. */
export function expectNoStackLikeLines(message: string): void {
  expect(message.split('\n').filter((line) => PLAYWRIGHT_FRAME.test(line))).toEqual([])
}
