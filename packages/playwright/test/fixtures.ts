// The specs' `test`: @leakscope/playwright's, plus a worker-scoped server for the pages.
import { readFile } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { test as leakscopeTest } from '@leakscope/playwright'
import { pages } from './pages.js'

export { expect, leakscope } from '@leakscope/playwright'

// The leakscope build itself, for pages that bundle their own (`/leakscope/browser/index.js`).
const coreDist = path.resolve(import.meta.dirname, '../../core/dist')

async function body(pathname: string): Promise<string | undefined> {
  if (!pathname.startsWith('/leakscope/')) return pages[pathname]
  const file = path.resolve(coreDist, pathname.slice('/leakscope/'.length))
  if (!file.startsWith(coreDist + path.sep)) return undefined
  return readFile(file, 'utf8').catch(() => undefined)
}

export const test = leakscopeTest.extend<object, { site: string }>({
  site: [
    // eslint-disable-next-line no-empty-pattern -- Playwright reads the fixture list from it
    async ({}, use) => {
      const server = http.createServer((request, response) => {
        const pathname = new URL(request.url ?? '/', 'http://x').pathname
        void body(pathname).then((text) => {
          response.statusCode = text === undefined ? 404 : 200
          response.setHeader(
            'content-type',
            pathname.endsWith('.js') ? 'text/javascript' : 'text/html',
          )
          response.end(text ?? 'not found')
        })
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      const { port } = server.address() as AddressInfo
      await use(`http://127.0.0.1:${port}`)
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
    { scope: 'worker' },
  ],
})
