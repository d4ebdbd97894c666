// The compat specs' static server: the fixture pages of e2e/compat/ and the browser builds of the
// front-end libraries they load, straight from node_modules (no bundler: each page loads what a
// plain <script> or an import map can), plus one JSON endpoint for the pages' requests. Only the
// libraries listed here are served from node_modules, so a page cannot reach anything else.
import { existsSync, readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname, extname, join, normalize, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const e2eRoot = fileURLToPath(new URL('..', import.meta.url))
/** The fixture pages' folder. */
export const compatRoot: string = join(e2eRoot, 'compat')

/** Packages whose files the pages may load, under `/node_modules/<name>/`. */
export const SERVED_PACKAGES = ['zone.js', 'vue', 'preact', 'jquery'] as const

/** Path of the endpoint that answers `{ echo, method }` for the pages' requests. */
export const ECHO_PATH = '/api/echo'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
}

// Where npm put a package for the e2e workspace: hoisted to the repo root, or in e2e's own
// node_modules (looked up the way Node does, from e2e/ upwards; some packages do not export
// their package.json, so require.resolve cannot find it for all of them).
export function packageDir(name: string): string {
  for (let dir = e2eRoot; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name)
    if (existsSync(join(candidate, 'package.json'))) return candidate
    if (dirname(dir) === dir) throw new Error(`compat server: package ${name} is not installed`)
  }
}

// A path under `root`, or undefined when the request tries to leave it (or is not a valid URL).
function inside(root: string, path: string): string | undefined {
  let decoded: string
  try {
    decoded = decodeURIComponent(path)
  } catch {
    return undefined
  }
  const file = normalize(join(root, decoded))
  return file === root || file.startsWith(root + sep) ? file : undefined
}

function resolveFile(pathname: string, packages: Map<string, string>): string | undefined {
  if (pathname.startsWith('/node_modules/')) {
    const rest = pathname.slice('/node_modules/'.length)
    const name = [...packages.keys()].find((p) => rest.startsWith(`${p}/`))
    if (name === undefined) return undefined
    return inside(packages.get(name) as string, rest.slice(name.length))
  }
  return inside(compatRoot, pathname === '/' ? '/index.html' : pathname)
}

export interface CompatServer {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string
  close(): Promise<void>
}

/** Serves the fixture pages on 127.0.0.1 (`port` 0: any free port). */
export async function startCompatServer({ port = 0 } = {}): Promise<CompatServer> {
  const packages = new Map(SERVED_PACKAGES.map((name) => [name, packageDir(name)]))
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1')
    if (url.pathname === ECHO_PATH) {
      response.writeHead(200, { 'content-type': TYPES['.json'], 'cache-control': 'no-store' })
      response.end(
        JSON.stringify({ echo: url.searchParams.get('text') ?? '', method: request.method }),
      )
      return
    }
    const file = resolveFile(url.pathname, packages)
    const type = file === undefined ? undefined : TYPES[extname(file)]
    if (file === undefined || type === undefined) {
      response.writeHead(404).end()
      return
    }
    readFile(file).then(
      (body) => {
        response.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' })
        response.end(body)
      },
      () => {
        response.writeHead(404).end()
      },
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve())
  })
  const { port: bound } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${bound}/`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error === undefined ? resolve() : reject(error)))
      }),
  }
}

/**
 * 1-based number of the only line of a fixture page file that contains `marker` (e.g.
 * `'// LEAK interval'`): the line a creation stack in the browser names, since pages are served
 * unchanged.
 */
export function compatLineOf(file: string, marker: string): number {
  const lines = readFileSync(join(compatRoot, file), 'utf8').split('\n')
  const found = lines.flatMap((line, index) => (line.includes(marker) ? [index + 1] : []))
  if (found.length !== 1) {
    throw new Error(
      `${file}: expected exactly one line with ${JSON.stringify(marker)}, found ${found.length}`,
    )
  }
  return found[0] as number
}
