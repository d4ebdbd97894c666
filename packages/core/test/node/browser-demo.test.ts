import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, test } from 'vitest'

// The agent injected by Playwright's addInitScript into a page written without leakscope
// (`npm run demo:browser`), in real Chromium.
const demo = fileURLToPath(new URL('../../examples/browser-demo.mjs', import.meta.url))

function runDemo(args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [demo, ...args], { timeout: 60_000 }, (error, stdout) => {
      resolve({ code: error === null ? 0 : Number(error.code), stdout })
    })
  })
}

test('the injected agent reports what the page’s widget left behind, at the page’s lines', async () => {
  const { code, stdout } = await runDemo([])
  expect(code).toBe(1)
  expect(stdout).toContain('Detected 2 leaked tasks')
  expect(stdout).toMatch(
    /Leaked task: interval "tick"[\s\S]*mount \(http:\/\/127\.0\.0\.1:\d+\/:11:\d+\)/,
  )
  expect(stdout).toMatch(
    /Leaked task: listener "onResize"[\s\S]*'resize' on window[\s\S]*:12:\d+\)/,
  )
})

test('the same page with a cleaning unmount is clean', async () => {
  const { code, stdout } = await runDemo(['--fixed'])
  expect(code).toBe(0)
  expect(stdout).toContain('No leaks.')
})
