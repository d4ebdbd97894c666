// The specs' `test`: @leakscope/playwright's, plus worker-scoped servers: one for the pages, and
// a real Vite dev server for the React app of vite-app/ (started only by the specs that use it).
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
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

/** The React + TSX fixture app that Vite serves (transformed, with inline source maps). */
export const viteApp = path.resolve(import.meta.dirname, 'vite-app')

export const test = leakscopeTest.extend<object, { site: string; viteSite: string }>({
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
  viteSite: [
    // eslint-disable-next-line no-empty-pattern -- Playwright reads the fixture list from it
    async ({}, use) => {
      // Loaded here: the specs that never use the dev server do not load Vite at all.
      const { createServer } = await import('vite')
      // Pre-bundled dependencies go to a directory of this run, not into node_modules.
      const cacheDir = await mkdtemp(path.join(tmpdir(), 'leakscope-vite-'))
      const server = await createServer({
        configFile: false,
        root: viteApp,
        cacheDir,
        logLevel: 'warn',
        server: { host: '127.0.0.1', port: 0, hmr: false, watch: null },
        // Bundled when the server starts, so the first page load neither waits nor reloads.
        optimizeDeps: {
          include: ['react', 'react/jsx-dev-runtime', 'react-dom', 'react-dom/client'],
          entries: ['index.html'],
        },
      })
      try {
        await server.listen()
        const address = server.httpServer?.address()
        if (address === null || address === undefined || typeof address === 'string') {
          throw new Error('the Vite dev server has no TCP address')
        }
        await use(`http://127.0.0.1:${address.port}`)
      } finally {
        await server.close()
        await rm(cacheDir, { recursive: true, force: true })
      }
    },
    { scope: 'worker' },
  ],
})
