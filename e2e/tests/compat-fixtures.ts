// The compat specs' `test`: @leakscope/playwright's, plus the fixture pages of e2e/compat/ served
// on 127.0.0.1 for the whole worker as the `baseURL`, and a check that no page of the test threw
// or logged an error: the agent must never break the page it watches.
import { test as leakscopeTest } from '@leakscope/playwright'
import type { Page } from '@playwright/test'
import type { StackFrame } from 'leakscope'
import { compatLineOf, startCompatServer, type CompatServer } from './compat-server.js'

export { expect, leakscope } from '@leakscope/playwright'
export { failureOf } from './fixtures.js'

export const test = leakscopeTest.extend<{ pageErrors: string[] }, { compatServer: CompatServer }>({
  compatServer: [
    // eslint-disable-next-line no-empty-pattern -- Playwright reads the fixture list from it
    async ({}, use) => {
      const server = await startCompatServer({ port: 0 })
      try {
        await use(server)
      } finally {
        await server.close()
      }
    },
    { scope: 'worker' },
  ],
  baseURL: async ({ compatServer }, use) => {
    await use(compatServer.url)
  },
  pageErrors: [
    async ({ context, page }, use, testInfo) => {
      const errors: string[] = []
      watchErrors(page, errors)
      context.on('page', (other) => watchErrors(other, errors))
      await use(errors)
      // Only a test that passed: a failing one keeps its own error (see FIELD-NOTES).
      if (testInfo.status === 'passed' && errors.length > 0)
        throw new Error(`the page reported errors:\n${errors.join('\n')}`)
    },
    { auto: true },
  ],
})

/** Collects what `page` throws or logs as an error into `errors`. */
export function watchErrors(page: Page, errors: string[]): void {
  page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.stack ?? String(error)}`))
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`${page.url()}: ${message.text()}`)
  })
}

/** Opens a fixture page and waits until its script ran to its end. */
export async function openPage(page: Page, path: string): Promise<void> {
  await page.goto(path)
  await page.locator('#app[data-ready=true]').waitFor()
}

/** Where a fixture's leaking line is: the line marked `// LEAK <label>` in `file`. */
export function leakSite(file: string, label: string): { file: string; line: number } {
  return { file, line: compatLineOf(file, `// LEAK ${label}`) }
}

/** `file:line` as a frame of the served page shows it in a message, e.g. `/vue-app.js:23:`. */
export function siteText(site: { file: string; line: number }): string {
  return `/${site.file}:${site.line}:`
}

/** Whether a creation stack has a frame at the site (`baseURL` resolves the file). */
export function frameAt(
  stack: readonly StackFrame[] | undefined,
  site: { file: string; line: number },
  baseURL: string | undefined,
): StackFrame | undefined {
  const url = new URL(site.file, baseURL).href
  return stack?.find((frame) => frame.url === url && frame.line === site.line)
}

export type Variant = 'leaky' | 'fixed'

/** Mounts a widget, lets `mounted` check it works, and unmounts it. */
export async function mountAndUnmount(
  page: Page,
  variant: Variant,
  mounted?: () => Promise<void>,
): Promise<void> {
  await page.getByTestId(`mount-${variant}`).click()
  await page
    .getByTestId(`state-${variant}`)
    .filter({ hasText: /^mounted$/ })
    .waitFor()
  await mounted?.()
  await page.getByTestId(`unmount-${variant}`).click()
  await page
    .getByTestId(`state-${variant}`)
    .filter({ hasText: /^unmounted$/ })
    .waitFor()
}
