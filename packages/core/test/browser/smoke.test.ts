// Placeholder smoke test (tooling): proves the core-browser project runs in real Chromium and
// that 'leakscope' resolves to the browser build through the `browser` export condition.
import { expect, test } from 'vitest'
import * as leakscope from 'leakscope'
import * as browserBuild from '../../dist/browser/index.js'

test('runs in Chromium', () => {
  expect(navigator.userAgent).toContain('Chrome')
  expect(typeof document.createElement).toBe('function')
})

test("'leakscope' resolves to dist/browser under the browser condition", () => {
  expect(leakscope).toBe(browserBuild)
  expect(Object.keys(leakscope).length).toBeGreaterThan(0)
})
