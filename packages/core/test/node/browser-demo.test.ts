import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, test } from 'vitest'
import { lineOf } from '../../../../playground/server.js'

// The agent injected by Playwright's addInitScript into the playground, an app written without
// leakscope (`npm run demo:browser`), in real Chromium.
const demo = fileURLToPath(new URL('../../examples/browser-demo.mjs', import.meta.url))

function runDemo(args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [demo, ...args], { timeout: 60_000 }, (error, stdout) => {
      resolve({ code: error === null ? 0 : Number(error.code), stdout })
    })
  })
}

/** `/src/routes/interval.ts:18:` for the line marked `// LEAK` in a playground route. */
const leakAt = (file: string): string => `/${file}:${lineOf(file, '// LEAK')}:`

test('the injected agent reports what each leaky widget left behind, at the app’s lines', async () => {
  const { code, stdout } = await runDemo([])
  expect(code).toBe(1)
  const pages = stdout.split(/^Page: /m).slice(1)
  expect(pages.map((p) => new URL(p.split(' ')[0] ?? '').pathname)).toEqual([
    '/interval',
    '/listener',
    '/observer',
    '/websocket',
    '/worker',
    '/fetch',
    '/react',
  ])
  const [interval, listener, observer, websocket, worker, request, react] = pages
  expect(interval).toContain('Leaked task: interval "showTime"')
  expect(interval).toContain(leakAt('src/routes/interval.ts'))
  expect(listener).toMatch(/Leaked task: listener "showWidth"[\s\S]*'resize' on window/)
  expect(listener).toContain(leakAt('src/routes/listener.ts'))
  expect(observer).toContain('Leaked task: observer "showSize"')
  expect(observer).toContain(leakAt('src/routes/observer.ts'))
  expect(websocket).toContain('Leaked task: websocket')
  expect(websocket).toContain(leakAt('src/routes/websocket.ts'))
  expect(worker).toContain('Leaked worker: worker "ticker"')
  expect(worker).toContain(leakAt('src/routes/worker.ts'))
  expect(request).toContain('Leaked task: fetch')
  expect(request).toContain(leakAt('src/routes/fetch.ts'))
  expect(react).toContain('Detected 2 leaked tasks')
  expect(react).toContain(leakAt('src/routes/react.tsx'))
})

test('the fixed widgets leave nothing behind', async () => {
  const { code, stdout } = await runDemo(['--fixed'])
  expect(code).toBe(0)
  expect(stdout.match(/^No leaks\.$/gm)).toHaveLength(7)
})
