// Source maps: the decoder and mapper on their own (Node), then the real extension resolving a
// leaked interval's creation frame to its original file and line, and refusing hostile maps.
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Buffer } from 'node:buffer'
import { expect, test } from './fixtures.js'
import {
  dataUrlJson,
  decodeMappings,
  decodeVlq,
  originalLocation,
  parseSourceMap,
  sourceMappingUrl,
} from '../src/sourcemap.js'
import { frameLocations, fromPanel, relayResolved } from '../src/validate.js'

// ---------------------------------------------------------------------------------------------
// A tiny base64 VLQ encoder of our own (the inverse of what the extension decodes).

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

function vlq(value: number): string {
  let rest = value < 0 ? -value * 2 + 1 : value * 2
  let out = ''
  do {
    let digit = rest % 32
    rest = Math.floor(rest / 32)
    if (rest > 0) digit += 32
    out += BASE64[digit]
  } while (rest > 0)
  return out
}

/** Segments per generated line: [column, source, line, column, name?], all 0-based, absolute. */
type Segment = [number, number?, number?, number?, number?]

function encodeMappings(lines: Segment[][]): string {
  let source = 0
  let sourceLine = 0
  let sourceColumn = 0
  let name = 0
  return lines
    .map((segments) => {
      let column = 0
      return segments
        .map((segment) => {
          let out = vlq(segment[0] - column)
          column = segment[0]
          if (segment[1] !== undefined) {
            out += vlq(segment[1] - source) + vlq(segment[2]! - sourceLine)
            out += vlq(segment[3]! - sourceColumn)
            source = segment[1]
            sourceLine = segment[2]!
            sourceColumn = segment[3]!
            if (segment[4] !== undefined) {
              out += vlq(segment[4] - name)
              name = segment[4]
            }
          }
          return out
        })
        .join(',')
    })
    .join(';')
}

// ---------------------------------------------------------------------------------------------
// Node: decoder and mapper

test('VLQ values decode (and round-trip our encoder)', () => {
  expect(decodeVlq('A')).toEqual([0])
  expect(decodeVlq('C')).toEqual([1])
  expect(decodeVlq('D')).toEqual([-1])
  expect(decodeVlq('gB')).toEqual([16])
  expect(decodeVlq('AAgBC')).toEqual([0, 0, 16, 1])
  const values = [0, 1, -1, 15, 16, -16, 123, -4567, 1_000_000, -(2 ** 30)]
  expect(decodeVlq(values.map(vlq).join(''))).toEqual(values)
  // Cut short, a bad character, too big.
  expect(decodeVlq('g')).toBeUndefined()
  expect(decodeVlq('A!')).toBeUndefined()
  expect(decodeVlq('gggggggggB')).toBeUndefined()
})

test('mappings map a generated position to the last mapping at or before it', () => {
  const map = {
    version: 3,
    sourceRoot: 'src',
    sources: ['app.ts', 'https://cdn.example/lib.ts'],
    names: ['start', 'other'],
    mappings: encodeMappings([
      [[0, 0, 0, 0]],
      [],
      [[4, 0, 9, 2, 0], [0], [20, 1, 41, 7], [12, 0, 10, 0, 1]],
    ]),
  }
  const parsed = parseSourceMap(JSON.stringify(map), 'http://h/dist/app.js.map')
  expect(parsed).toBeDefined()
  const data = parsed!
  expect(data.sources).toEqual(['http://h/dist/src/app.ts', 'https://cdn.example/lib.ts'])
  // 1-based in, 1-based out.
  expect(originalLocation(data, 1, 1)).toEqual({
    url: 'http://h/dist/src/app.ts',
    line: 1,
    column: 1,
  })
  expect(originalLocation(data, 1, 50)).toEqual({
    url: 'http://h/dist/src/app.ts',
    line: 1,
    column: 1,
  })
  expect(originalLocation(data, 2, 1)).toBeUndefined()
  // Column 1 on line 3 falls on the 1-field segment (no source): nothing.
  expect(originalLocation(data, 3, 1)).toBeUndefined()
  expect(originalLocation(data, 3, 5)).toEqual({
    url: 'http://h/dist/src/app.ts',
    line: 10,
    column: 3,
    name: 'start',
  })
  expect(originalLocation(data, 3, 13)).toMatchObject({ line: 11, column: 1, name: 'other' })
  expect(originalLocation(data, 3, 21)).toEqual({
    url: 'https://cdn.example/lib.ts',
    line: 42,
    column: 8,
  })
  expect(originalLocation(data, 99, 1)).toBeUndefined()
})

test('malformed maps, index maps and out-of-range indexes are refused', () => {
  const ok = { version: 3, sources: ['a.js'], names: [], mappings: 'AAAA' }
  const bad: unknown[] = [
    'not json',
    '[]',
    { ...ok, version: 2 },
    { ...ok, mappings: 7 },
    { ...ok, sources: 'a.js' },
    { ...ok, mappings: 'AAAA!' },
    { ...ok, mappings: 'ACAA' }, // source 1 of 1
    { ...ok, mappings: 'AAAAC' }, // name 1 of 0
    { ...ok, mappings: 'AA' }, // two fields
    { ...ok, mappings: 'AADA' }, // line -1
    { version: 3, sections: [{ offset: { line: 0, column: 0 }, map: ok }] },
  ]
  for (const value of bad) {
    expect(
      parseSourceMap(typeof value === 'string' ? value : JSON.stringify(value), 'http://h/'),
    ).toBeUndefined()
  }
  expect(decodeMappings('AAAA;;AAAA', 1, 0)?.length).toBe(3)
  // A __proto__ key or odd extra fields do nothing.
  const odd = JSON.parse(`{"__proto__":{"x":1},"version":3,"sources":["a.js"],"mappings":"AAAA"}`)
  expect(parseSourceMap(JSON.stringify(odd), 'http://h/')?.sources).toEqual(['http://h/a.js'])
})

test('the sourceMappingURL comment and inline data: maps are read', () => {
  expect(sourceMappingUrl('x()\n//# sourceMappingURL=app.js.map\n')).toBe('app.js.map')
  expect(sourceMappingUrl('//# sourceMappingURL=a.map\nx()\n//# sourceMappingURL=b.map')).toBe(
    'b.map',
  )
  expect(sourceMappingUrl('const s = "//# sourceMappingURL=a.map" + x')).toBeUndefined()
  expect(sourceMappingUrl('x()')).toBeUndefined()
  const json = '{"version":3}'
  const inline = `data:application/json;charset=utf-8;base64,${Buffer.from(json).toString('base64')}`
  expect(dataUrlJson(inline, 1000)).toBe(json)
  expect(dataUrlJson(inline, 5)).toBeUndefined()
  expect(dataUrlJson('data:text/html;base64,PGI+', 1000)).toBeUndefined()
  expect(dataUrlJson('data:application/json;base64,%%%', 1000)).toBeUndefined()
})

test('resolve requests and answers are validated like page messages', () => {
  const frame = { url: 'http://h/a.js', line: 2, column: 3 }
  expect(fromPanel({ type: 'resolve-frames', frames: [frame], evil: 1 })).toEqual({
    type: 'resolve-frames',
    frames: [frame],
  })
  expect(frameLocations(Array.from({ length: 65 }, () => frame))).toBeUndefined()
  expect(frameLocations([{ ...frame, line: 0 }])).toBeUndefined()
  expect(frameLocations([{ ...frame, url: `http://h/${'a'.repeat(5000)}` }])).toBeUndefined()
  const original = { url: 'http://h/a.ts', line: 1, column: 1, name: 'f', evil: 2 }
  expect(
    relayResolved({ type: 'resolved-frames', payload: { frames: [{ ...frame, original }] } }),
  ).toEqual({
    type: 'resolved-frames',
    payload: {
      frames: [{ ...frame, original: { url: 'http://h/a.ts', line: 1, column: 1, name: 'f' } }],
    },
  })
  expect(
    relayResolved({
      type: 'resolved-frames',
      payload: { frames: [{ ...frame, original: { ...original, line: -1 } }] },
    }),
  ).toBeUndefined()
})

// ---------------------------------------------------------------------------------------------
// The real extension

interface MapSite {
  origin: string
  /** The same server under another origin (localhost instead of 127.0.0.1). */
  otherOrigin: string
  requests: string[]
  close(): Promise<void>
}

async function serveFiles(files: Record<string, string | Buffer>): Promise<MapSite> {
  const requests: string[] = []
  const server: Server = createServer((request: IncomingMessage, response) => {
    const url = new URL(request.url ?? '/', `http://${request.headers.host ?? 'x'}`)
    requests.push(`${request.headers.host ?? ''}${url.pathname}`)
    const body = files[url.pathname]
    if (body === undefined) {
      response.writeHead(404).end()
      return
    }
    const type = url.pathname.endsWith('.html')
      ? 'text/html'
      : url.pathname.endsWith('.js')
        ? 'text/javascript'
        : 'application/json'
    response.writeHead(200, {
      'content-type': `${type}; charset=utf-8`,
      'cache-control': 'no-store',
    })
    response.end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    origin: `http://127.0.0.1:${port}`,
    otherOrigin: `http://localhost:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** A one-line "bundle" whose line 2 is mapped, from its first column, to `line`:`column`. */
function bundle(callback: string, map: string): string {
  return `/* generated */\n(function(){function ${callback}(){}setInterval(${callback},1000)})()\n//# sourceMappingURL=${map}\n`
}

function mapTo(source: string, line: number, column: number): string {
  return JSON.stringify({
    version: 3,
    sources: [source],
    names: [],
    mappings: encodeMappings([[], [[0, 0, line - 1, column - 1]]]),
  })
}

test('a leaked interval in a source-mapped bundle shows and opens its original location', async ({
  openTab,
  openPanel,
}) => {
  const site = await serveFiles({
    '/app.html': '<!doctype html><title>mapped</title><script src="/dist/app.min.js"></script>',
    '/dist/app.min.js': bundle('mappedTick', 'app.min.js.map'),
    '/dist/app.min.js.map': mapTo('../src/app.ts', 12, 5),
  })
  try {
    const { tabId } = await openTab(`${site.origin}/app.html`)
    const panel = await openPanel(tabId)
    const row = panel.page.locator('.live-list .vlist-row', { hasText: 'mappedTick' })
    const link = row.locator('.where button.link')
    await expect(link).toHaveText('app.ts:12:5')
    await expect(link).toHaveAttribute('title', /^http:\/\/127\.0\.0\.1:\d+\/src\/app\.ts:12:5\n/)
    await expect(link).toHaveAttribute('title', /generated: .*\/dist\/app\.min\.js:2:\d+$/)
    await link.click()
    expect(
      await panel.page.evaluate(() => structuredClone(globalThis.__leakscopeTabHost?.opened)),
    ).toEqual([{ url: `${site.origin}/src/app.ts`, line0: 11, column0: 4 }])
    // The details' stack shows it too.
    await row.click()
    await expect(panel.page.locator('.live-details .stack button.link').first()).toHaveText(
      'app.ts:12:5',
    )
  } finally {
    await site.close()
  }
})

test('an inline data: map is read; huge, malformed and cross-origin maps are refused', async ({
  openTab,
  openPanel,
}) => {
  const inlineMap = Buffer.from(mapTo('inline-src.ts', 3, 1)).toString('base64')
  const files: Record<string, string | Buffer> = {
    '/dist/inline.js': bundle('inlineTick', `data:application/json;base64,${inlineMap}`),
    '/dist/huge.js': bundle('hugeTick', 'huge.js.map'),
    // Valid JSON, over the 5 MB limit.
    '/dist/huge.js.map': `{"version":3,"sources":["huge.ts"],"names":[],"mappings":";AAAA","x":"${'x'.repeat(6_000_000)}"}`,
    '/dist/bad.js': bundle('badTick', 'bad.js.map'),
    '/dist/bad.js.map': '{"version":3,"sources":["bad.ts"],"mappings":";AA!A"',
    '/dist/cross.js': '',
    '/cross.js.map': mapTo('cross.ts', 1, 1),
    '/dist/ok.js': bundle('okTick', 'ok.js.map'),
    '/dist/ok.js.map': mapTo('ok.ts', 7, 3),
  }
  const site = await serveFiles(files)
  files['/dist/cross.js'] = bundle('crossTick', `${site.otherOrigin}/cross.js.map`)
  files['/app.html'] = `<!doctype html><title>hostile maps</title>${[
    'inline',
    'huge',
    'bad',
    'cross',
    'ok',
  ]
    .map((name) => `<script src="/dist/${name}.js"></script>`)
    .join('')}`
  try {
    const { tabId } = await openTab(`${site.origin}/app.html`)
    const panel = await openPanel(tabId)
    const where = (name: string) =>
      panel.page.locator('.live-list .vlist-row', { hasText: name }).locator('.where')
    await expect(where('inlineTick')).toHaveText('inline-src.ts:3:1')
    await expect(where('okTick')).toHaveText('ok.ts:7:3')
    for (const [name, file] of [
      ['hugeTick', 'huge.js'],
      ['badTick', 'bad.js'],
      ['crossTick', 'cross.js'],
    ]) {
      await expect(where(name!)).toHaveText(new RegExp(`^${file!.replace('.', '\\.')}:2:\\d+$`))
    }
    // Each refused location was answered (without an original), nothing else broke.
    const resolved = (await panel.messages()).flatMap((m) =>
      m.type === 'resolved-frames' ? m.frames : [],
    )
    for (const file of ['huge.js', 'bad.js', 'cross.js']) {
      const answer = resolved.find((f) => f.url.endsWith(`/dist/${file}`))
      expect(answer, file).toBeDefined()
      expect(answer?.original, file).toBeUndefined()
    }
    // The cross-origin map was never fetched.
    expect(site.requests.filter((r) => r.endsWith('/cross.js.map'))).toEqual([])
    await expect(panel.page.locator('.banner-error:visible')).toHaveCount(0)
  } finally {
    await site.close()
  }
})
