// Which creation stacks the plugin treats as Vitest's own (never reported, never waited for).
import { expect, test } from 'vitest'
import { isRunnerOwned } from '../dist/check.js'

const frame = (
  url: string,
  functionName = 'fn',
): { functionName: string; url: string; line: number; column: number } => ({
  functionName,
  url,
  line: 1,
  column: 1,
})

test("Vitest's throttled task update, seen through this monorepo's source maps, is the runner's", () => {
  // The frames of a real report: the runner's 100 ms update throttle, created inside the test
  // window, below the plugin's own frames, which Vitest maps from dist/ back to src/ here.
  const frames = [
    frame('/repo/node_modules/@vitest/runner/dist/chunk-artifact.js', 'throttle'),
    frame('/repo/node_modules/@vitest/runner/dist/chunk-artifact.js', 'runTest'),
    frame('/repo/packages/vitest/src/check.ts', 'nest'),
    frame('/repo/packages/vitest/src/check.ts', 'nest'),
  ]
  expect(isRunnerOwned(frames)).toBe(true)
  expect(
    isRunnerOwned(
      frames.map((f) => ({ ...f, url: f.url.replace('/src/check.ts', '/dist/check.js') })),
    ),
  ).toBe(true)
})

test('a stack with one user frame is the user’s', () => {
  expect(
    isRunnerOwned([
      frame('/repo/src/poller.ts', 'startPolling'),
      frame('/repo/node_modules/@vitest/runner/dist/chunk-artifact.js', 'runTest'),
    ]),
  ).toBe(false)
  expect(isRunnerOwned([])).toBe(false)
  expect(isRunnerOwned(undefined)).toBe(false)
})
