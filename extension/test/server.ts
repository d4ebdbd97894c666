// A small static server on 127.0.0.1 for the specs' pages (an ephemeral port per test).
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { join, normalize } from 'node:path'
import type { AddressInfo } from 'node:net'

export interface Site {
  /** http://127.0.0.1:PORT */
  readonly origin: string
  url(path: string): string
  close(): Promise<void>
}

/** Serves `files` (path -> text) and, under each `dirs` prefix, the files of a folder. */
export async function serve(
  files: Record<string, string>,
  dirs: Record<string, string> = {},
): Promise<Site> {
  const fromDir = (path: string): string | undefined => {
    for (const [prefix, dir] of Object.entries(dirs)) {
      if (!path.startsWith(prefix)) continue
      const file = normalize(join(dir, path.slice(prefix.length)))
      if (!file.startsWith(dir)) return undefined
      try {
        return readFileSync(file, 'utf8')
      } catch {
        return undefined
      }
    }
    return undefined
  }
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname
    const body = files[path] ?? fromDir(path)
    if (body === undefined) {
      response.writeHead(404).end()
      return
    }
    const type = path.endsWith('.js') ? 'text/javascript' : 'text/html'
    response.writeHead(200, {
      'content-type': `${type}; charset=utf-8`,
      'cache-control': 'no-store',
    })
    response.end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    origin,
    url: (path) => `${origin}${path}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** 1-based line of the first line of `text` that contains `marker`. */
export function lineOf(text: string, marker: string): number {
  const index = text.split('\n').findIndex((line) => line.includes(marker))
  if (index === -1) throw new Error(`no ${marker} in the text`)
  return index + 1
}
