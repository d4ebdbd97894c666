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

test("React act()'s own channel is the tooling's; an app's channel, or a look-alike, is not", () => {
  const act = [
    frame(
      'http://localhost:63315/node_modules/.vite/vitest/ef98/deps/react-BGmjL7Fo.js?v=c2b7',
      'enqueueTaskImpl',
    ),
    frame(
      'http://localhost:63315/node_modules/.vite/vitest/ef98/deps/react-BGmjL7Fo.js?v=c2b7',
      'enqueueTask',
    ),
    frame('http://localhost:63315/src/widget.test.tsx', '<anonymous>'),
  ]
  expect(isRunnerOwned(act)).toBe(true)
  expect(
    isRunnerOwned([frame('/repo/node_modules/react/cjs/react.development.js', 'enqueueTaskImpl')]),
  ).toBe(true)
  expect(isRunnerOwned([frame('http://localhost:5173/src/bridge.ts', 'connect'), ...act])).toBe(
    false,
  )
  expect(isRunnerOwned([frame('http://localhost:5173/src/queue.ts', 'enqueueTaskImpl')])).toBe(
    false,
  )
  expect(
    isRunnerOwned([
      frame('/repo/node_modules/react-dom/cjs/react-dom.development.js', 'enqueueTaskImpl'),
    ]),
  ).toBe(false)
})
