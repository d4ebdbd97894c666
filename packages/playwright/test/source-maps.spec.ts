// Frames resolved through the page's source maps: a React + TSX app on a real Vite dev server (its
// modules are transformed and carry inline maps), a production build with .map files, and pages
// whose maps are malformed, huge or missing (the generated location stays).
import { readFile, readdir, mkdtemp, rm } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Page } from '@playwright/test'
import { build } from 'vite'
import type { LeakReportData, StackFrame } from 'leakscope'
import { encodeMappings } from '../../core/test/source-map-encoder.js'
import { test, expect, leakscope, viteApp } from './fixtures.js'
import { expectNoStackLikeLines, failureOf } from './helpers.js'

const leakySource = path.join(viteApp, 'src/Leaky.tsx')

/** 1-based line and column of `needle` in `text`. */
function locate(text: string, needle: string): { line: number; column: number } {
  const lines = text.split('\n')
  const index = lines.findIndex((line) => line.includes(needle))
  if (index === -1) throw new Error(`"${needle}" not found`)
  return { line: index + 1, column: (lines[index] ?? '').indexOf(needle) + 1 }
}

/** Where Leaky.tsx calls setInterval: in the source, and in the module the dev server serves. */
async function intervalLocations(viteSite: string): Promise<{
  source: { line: number; column: number }
  generated: { line: number; column: number }
}> {
  const source = locate(await readFile(leakySource, 'utf8'), 'setInterval(')
  const served = await fetch(`${viteSite}/src/Leaky.tsx`).then((r) => r.text())
  const generated = locate(served, 'setInterval(')
  // The premise of these tests: without the map, the reported line would be the wrong one.
  expect(generated.line).not.toBe(source.line)
  return { source, generated }
}

async function mountLeaky(page: Page): Promise<void> {
  await page.click('#mount')
  // The interval has fired: it exists, whenever React ran the effect.
  await expect(page.locator('#root p')).toHaveText(/ticker: [1-9]/)
}

function reportAttachment(prefix: string): LeakReportData {
  const attachment = test.info().attachments.findLast((a) => a.name.startsWith(prefix))
  expect(attachment?.contentType).toBe('application/json')
  return JSON.parse(String(attachment?.body)) as LeakReportData
}

test('a leak in a React component on a Vite dev server names its line in the .tsx source', async ({
  page,
  viteSite,
}) => {
  const { source, generated } = await intervalLocations(viteSite)
  await page.goto(viteSite)
  const scope = await leakscope.start(page, { kinds: ['interval'] })
  await mountLeaky(page)
  const message = await failureOf(expect(scope).toHaveNoLeaks())
  expect(message).toContain('Detected 1 leaked task')
  expect(message).toContain(
    `${viteSite}/src/Leaky.tsx:${source.line}:${source.column} (startTicker)`,
  )
  expect(message).not.toContain(`Leaky.tsx:${generated.line}:`)
  expectNoStackLikeLines(message)

  // The JSON keeps the generated location and adds the original one.
  const frame = reportAttachment('leakscope-report').tasks[0]?.creationStack?.[0] as StackFrame
  expect(frame).toMatchObject({
    functionName: 'startTicker',
    url: `${viteSite}/src/Leaky.tsx`,
    line: generated.line,
    column: generated.column,
    original: { url: `${viteSite}/src/Leaky.tsx`, line: source.line, column: source.column },
  })

  // expect(page) resolves its frames the same way.
  const pageMessage = await failureOf(expect(page).toHaveNoLeaks({ kinds: ['interval'] }))
  expect(pageMessage).toContain(`/src/Leaky.tsx:${source.line}:${source.column} (startTicker)`)
})

test('sourceMaps: false reports the generated location', async ({ page, viteSite }) => {
  const { source, generated } = await intervalLocations(viteSite)
  await page.goto(viteSite)
  const scope = await leakscope.start(page, { kinds: ['interval'], sourceMaps: false })
  await mountLeaky(page)
  const message = await failureOf(expect(scope).toHaveNoLeaks())
  expect(message).toContain(
    `${viteSite}/src/Leaky.tsx:${generated.line}:${generated.column} (startTicker)`,
  )
  expect(message).not.toContain(`Leaky.tsx:${source.line}:`)
  const frame = reportAttachment('leakscope-report').tasks[0]?.creationStack?.[0]
  expect(frame?.original).toBeUndefined()

  const pageMessage = await failureOf(
    expect(page).toHaveNoLeaks({ kinds: ['interval'], sourceMaps: false }),
  )
  expect(pageMessage).toContain(`/src/Leaky.tsx:${generated.line}:${generated.column}`)
  expect(pageMessage).not.toContain(`Leaky.tsx:${source.line}:`)
})

test.describe('long frames', () => {
  // Headless Chromium now and then reports no Long Animation Frame (as in long-tasks.spec.ts).
  test.describe.configure({ retries: 2 })

  test("a long frame's source is named in the .tsx source", async ({ page, viteSite }) => {
    const mainSource = await readFile(path.join(viteApp, 'src/main.tsx'), 'utf8')
    const source = locate(mainSource, 'function busy')
    const served = await fetch(`${viteSite}/src/main.tsx`).then((r) => r.text())
    expect(locate(served, 'function busy').line).not.toBe(source.line)
    await page.goto(viteSite)
    await page.click('#busy')
    const message = await failureOf(expect(page).toHaveNoLongTasks({ threshold: 100 }))
    expect(message).toMatch(
      new RegExp(`Source: ${viteSite}/src/main\\.tsx:${source.line}:\\d+ \\(busy\\)`),
    )
  })
})

test('sourceMaps is validated like the other options', async ({ page, site }) => {
  await page.goto(`${site}/leaky.html`)
  expect(
    await failureOf(leakscope.start(page, { sourceMaps: 'no' as unknown as boolean })),
  ).toContain('leakscope.start(page, options): option "sourceMaps" is "no"; expected true or false')
  expect(
    await failureOf(expect(page).toHaveNoLeaks({ sourceMaps: 0 as unknown as boolean })),
  ).toContain('toHaveNoLeaks(options): option "sourceMaps" is 0; expected true or false')
  expect(
    await failureOf(expect(page).toHaveNoLongTasks({ sourceMaps: null as unknown as boolean })),
  ).toContain('toHaveNoLongTasks(options): option "sourceMaps" is null; expected true or false')
})

// ---------------------------------------------------------------------------------------------
// Static servers: hand-made bundles with hostile maps, and a production build

interface Served {
  body: string | Buffer
  headers?: Record<string, string>
  /** Send the headers, then never finish the body. */
  hang?: boolean
}

interface StaticSite {
  origin: string
  /** Paths requested, in order. */
  requests: string[]
  close(): Promise<void>
}

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.map': 'application/json',
}

async function serve(files: Record<string, Served>): Promise<StaticSite> {
  const requests: string[] = []
  const server = http.createServer((request, response) => {
    const pathname = new URL(request.url ?? '/', 'http://x').pathname
    requests.push(pathname)
    const file = files[pathname === '/' ? '/index.html' : pathname]
    if (file === undefined) {
      response.writeHead(404).end()
      return
    }
    response.writeHead(200, {
      'content-type': TYPES[path.extname(pathname)] ?? 'text/html',
      ...file.headers,
    })
    if (file.hang === true) response.write(file.body)
    else response.end(file.body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** A two-line "bundle": line 2 starts an interval named `name` on #mount's click. */
function bundle(name: string, mapReference: string | undefined): string {
  const code = `/* generated */\ndocument.querySelector('#mount').addEventListener('click', function () { setInterval(function ${name}() {}, 1000) })\n`
  return mapReference === undefined ? code : `${code}//# sourceMappingURL=${mapReference}\n`
}

/** A map that sends all of line 2 to `line`:`column` of `source`. */
function mapTo(source: string, line: number, column: number): string {
  return JSON.stringify({
    version: 3,
    sources: [source],
    names: [],
    mappings: encodeMappings([[], [[0, 0, line - 1, column - 1]]]),
  })
}

test('malformed, huge, missing and hanging maps leave the generated location; a SourceMap header is read', async ({
  page,
}) => {
  const names = ['bad', 'huge', 'missing', 'notjson', 'slow', 'header'] as const
  const site = await serve({
    '/index.html': {
      body: `<!doctype html><button id="mount">mount</button>${names
        .map((name) => `<script src="/dist/${name}.js"></script>`)
        .join('')}`,
    },
    '/dist/bad.js': { body: bundle('badTick', 'bad.js.map') },
    // Out-of-range source index.
    '/dist/bad.js.map': {
      body: JSON.stringify({ version: 3, sources: ['bad.ts'], names: [], mappings: ';ACAA' }),
    },
    '/dist/huge.js': { body: bundle('hugeTick', 'huge.js.map') },
    // Valid, but over the 5 MB limit.
    '/dist/huge.js.map': {
      body: `{"version":3,"sources":["huge.ts"],"names":[],"mappings":";AAAA","x":"${'x'.repeat(6_000_000)}"}`,
    },
    '/dist/missing.js': { body: bundle('missingTick', 'missing.js.map') },
    '/dist/notjson.js': { body: bundle('notjsonTick', 'data:application/json;base64,e3ZlcnNpb24') },
    // The map never arrives: its request times out.
    '/dist/slow.js': { body: bundle('slowTick', 'slow.js.map') },
    '/dist/slow.js.map': { body: '{"version":3,', hang: true },
    // The header wins over the comment.
    '/dist/header.js': {
      body: bundle('headerTick', 'missing.js.map'),
      headers: { SourceMap: '/maps/header.map' },
    },
    '/maps/header.map': { body: mapTo('../src/header.ts', 7, 3) },
  })
  try {
    await page.goto(site.origin)
    // A passing check reads no script and no map.
    const clean = await leakscope.start(page)
    await expect(clean).toHaveNoLeaks()
    expect(site.requests.filter((r) => r.endsWith('.map'))).toEqual([])
    expect(site.requests.filter((r) => r === '/dist/bad.js')).toHaveLength(1)

    const scope = await leakscope.start(page, { kinds: ['interval'] })
    await page.click('#mount')
    const started = Date.now()
    const message = await failureOf(expect(scope).toHaveNoLeaks())
    // The slow map is given up after its request's 3 s (the report waits 5 s at most).
    expect(Date.now() - started).toBeLessThan(8_000)
    expect(message).toContain(`Detected ${names.length} leaked tasks`)
    for (const name of ['bad', 'huge', 'missing', 'notjson', 'slow']) {
      expect(message).toMatch(
        new RegExp(`${site.origin}/dist/${name}\\.js:2:\\d+ \\(HTMLButtonElement\\.<anonymous>\\)`),
      )
    }
    expect(message).toContain(`${site.origin}/src/header.ts:7:3 (HTMLButtonElement.<anonymous>)`)
    expect(site.requests).toContain('/maps/header.map')
    expectNoStackLikeLines(message)
  } finally {
    await site.close()
  }
})

async function filesOf(root: string): Promise<Record<string, Served>> {
  const files: Record<string, Served> = {}
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const file = path.join(entry.parentPath, entry.name)
    files[`/${path.relative(root, file).split(path.sep).join('/')}`] = {
      body: await readFile(file),
    }
  }
  return files
}

test('a production build with .map files names the .tsx source line', async ({ page }) => {
  test.setTimeout(60_000)
  const outDir = await mkdtemp(path.join(tmpdir(), 'leakscope-vite-build-'))
  try {
    await build({
      configFile: false,
      root: viteApp,
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true, sourcemap: true },
    })
    const files = await filesOf(outDir)
    expect(Object.keys(files).filter((name) => name.endsWith('.js.map')).length).toBeGreaterThan(0)
    const site = await serve(files)
    try {
      const source = locate(await readFile(leakySource, 'utf8'), 'setInterval(')
      await page.goto(site.origin)
      const scope = await leakscope.start(page, { kinds: ['interval'] })
      await mountLeaky(page)
      const message = await failureOf(expect(scope).toHaveNoLeaks())
      // The build's map names its sources relative to the output directory, which is outside the
      // app: they resolve to the file's path on this machine, under the site's origin.
      expect(message).toMatch(
        new RegExp(`${site.origin}/\\S*/src/Leaky\\.tsx:${source.line}:${source.column} \\(`),
      )
      const frame = reportAttachment('leakscope-report').tasks[0]?.creationStack?.[0]
      expect(frame?.url).toMatch(/\/assets\/[^/]+\.js$/)
    } finally {
      await site.close()
    }
  } finally {
    await rm(outDir, { recursive: true, force: true })
  }
})
