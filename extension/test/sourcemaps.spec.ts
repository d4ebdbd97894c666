// Source maps: the resolve messages on their own (Node), then the real extension resolving a
// leaked interval's creation frame to its original file and line, and refusing hostile maps. The
// decoder is leakscope/source-map's, tested in packages/core/test/node/source-map.test.ts.
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Buffer } from 'node:buffer'
import { expect, test } from './fixtures.js'
import { encodeMappings } from '../../packages/core/test/source-map-encoder.js'
import { frameLocations, fromPanel, relayResolved } from '../src/validate.js'

// ---------------------------------------------------------------------------------------------
// Node: the resolve messages (the decoder's own tests are core's test/node/source-map.test.ts)

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
