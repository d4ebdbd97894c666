// The specs' `test`: @leakscope/playwright's, plus a worker-scoped server for the pages.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { test as leakscopeTest } from '@leakscope/playwright'
import { pages } from './pages.js'

export { expect, leakscope } from '@leakscope/playwright'

export const test = leakscopeTest.extend<object, { site: string }>({
  site: [
    // eslint-disable-next-line no-empty-pattern -- Playwright reads the fixture list from it
    async ({}, use) => {
      const server = http.createServer((request, response) => {
        const body = pages[new URL(request.url ?? '/', 'http://x').pathname]
        response.statusCode = body === undefined ? 404 : 200
        response.setHeader('content-type', 'text/html')
        response.end(body ?? 'not found')
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      const { port } = server.address() as AddressInfo
      await use(`http://127.0.0.1:${port}`)
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
    { scope: 'worker' },
  ],
})
