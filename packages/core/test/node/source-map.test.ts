// leakscope/source-map on its own: the decoder and mapper, the map reference of a served script,
// inline maps, and the refusal of anything malformed.
import { Buffer } from 'node:buffer'
import { expect, test } from 'vitest'
import { formatFrames } from 'leakscope'
import {
  dataUrlJson,
  decodeMappings,
  decodeVlq,
  loadSourceMap,
  originalLocation,
  parseSourceMap,
  sourceMapUrl,
  sourceMappingComment,
} from 'leakscope/source-map'
import { encodeMappings, vlq } from '../source-map-encoder.js'

test('VLQ values decode (and round-trip our encoder)', () => {
  expect(decodeVlq('A')).toEqual([0])
  expect(decodeVlq('C')).toEqual([1])
  expect(decodeVlq('D')).toEqual([-1])
  expect(decodeVlq('gB')).toEqual([16])
  expect(decodeVlq('AAgBC')).toEqual([0, 0, 16, 1])
  const values = [0, 1, -1, 15, 16, -16, 123, -4567, 1_000_000, -(2 ** 30)]
  expect(decodeVlq(values.map(vlq).join(''))).toEqual(values)
  // Cut short, a bad character, a non-ASCII one, too big.
  expect(decodeVlq('g')).toBeUndefined()
  expect(decodeVlq('A!')).toBeUndefined()
  expect(decodeVlq('Aé')).toBeUndefined()
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
  const data = parseSourceMap(JSON.stringify(map), 'http://h/dist/app.js.map')
  expect(data).toBeDefined()
  if (data === undefined) return
  expect(data.sources).toEqual(['http://h/dist/src/app.ts', 'https://cdn.example/lib.ts'])
  // 1-based in, 1-based out.
  const app = 'http://h/dist/src/app.ts'
  expect(originalLocation(data, 1, 1)).toEqual({ url: app, line: 1, column: 1 })
  expect(originalLocation(data, 1, 50)).toEqual({ url: app, line: 1, column: 1 })
  expect(originalLocation(data, 2, 1)).toBeUndefined()
  // Column 1 on line 3 falls on the 1-field segment (no source): nothing.
  expect(originalLocation(data, 3, 1)).toBeUndefined()
  expect(originalLocation(data, 3, 5)).toEqual({ url: app, line: 10, column: 3, name: 'start' })
  expect(originalLocation(data, 3, 13)).toMatchObject({ line: 11, column: 1, name: 'other' })
  expect(originalLocation(data, 3, 21)).toEqual({
    url: 'https://cdn.example/lib.ts',
    line: 42,
    column: 8,
  })
  expect(originalLocation(data, 99, 1)).toBeUndefined()
  expect(originalLocation(data, 0, 1)).toBeUndefined()
})

test('malformed maps, index maps and out-of-range indexes are refused', () => {
  const ok = { version: 3, sources: ['a.js'], names: [], mappings: 'AAAA' }
  const bad: unknown[] = [
    'not json',
    '',
    '[]',
    'null',
    { ...ok, version: 2 },
    { ...ok, version: '3' },
    { ...ok, mappings: 7 },
    { ...ok, sources: 'a.js' },
    { ...ok, names: 'x' },
    { ...ok, sources: Array.from({ length: 10_001 }, () => 'a.js') },
    { ...ok, mappings: 'AAAA!' },
    { ...ok, mappings: 'ACAA' }, // source 1 of 1
    { ...ok, mappings: 'ADAA' }, // source -1
    { ...ok, mappings: 'AAAAC' }, // name 1 of 0
    { ...ok, mappings: 'AA' }, // two fields
    { ...ok, mappings: 'AAAAAA' }, // six fields
    { ...ok, mappings: 'AADA' }, // line -1
    { ...ok, mappings: 'AAAD' }, // column -1
    { ...ok, mappings: 'D' }, // generated column -1
    { ...ok, mappings: 'gggggggggBAAA' }, // a value over 2^31
    { version: 3, sections: [{ offset: { line: 0, column: 0 }, map: ok }] },
  ]
  for (const value of bad) {
    const json = typeof value === 'string' ? value : JSON.stringify(value)
    expect(parseSourceMap(json, 'http://h/'), json.slice(0, 80)).toBeUndefined()
  }
  expect(decodeMappings('AAAA;;AAAA', 1, 0)?.length).toBe(3)
  // A __proto__ key, odd extra fields and null sources do nothing.
  const odd = JSON.parse(`{"__proto__":{"x":1},"version":3,"sources":["a.js"],"mappings":"AAAA"}`)
  expect(parseSourceMap(JSON.stringify(odd), 'http://h/')?.sources).toEqual(['http://h/a.js'])
  const nullSource = parseSourceMap('{"version":3,"sources":[null],"mappings":"AAAA"}', 'http://h/')
  expect(nullSource).toBeDefined()
  expect(nullSource && originalLocation(nullSource, 1, 1)).toBeUndefined()
})

test('segments out of column order are sorted before lookups', () => {
  const mappings = `${vlq(10)}AAA,${vlq(-10)}ACA`
  const data = parseSourceMap(
    JSON.stringify({ version: 3, sources: ['a.ts'], mappings }),
    'http://h/',
  )
  expect(data && originalLocation(data, 1, 1)).toMatchObject({ line: 2 })
  expect(data && originalLocation(data, 1, 11)).toMatchObject({ line: 1 })
})

test('the sourceMappingURL comment and inline data: maps are read', () => {
  expect(sourceMappingComment('x()\n//# sourceMappingURL=app.js.map\n')).toBe('app.js.map')
  expect(sourceMappingComment('//# sourceMappingURL=a.map\nx()\n//# sourceMappingURL=b.map')).toBe(
    'b.map',
  )
  expect(sourceMappingComment('//@ sourceMappingURL=old.map')).toBe('old.map')
  expect(sourceMappingComment('const s = "//# sourceMappingURL=a.map" + x')).toBeUndefined()
  expect(sourceMappingComment('x()')).toBeUndefined()
  const json = '{"version":3}'
  const inline = `data:application/json;charset=utf-8;base64,${Buffer.from(json).toString('base64')}`
  expect(dataUrlJson(inline, 1000)).toBe(json)
  expect(dataUrlJson(inline, 5)).toBeUndefined()
  expect(dataUrlJson('data:text/html;base64,PGI+', 1000)).toBeUndefined()
  expect(dataUrlJson('data:application/json;base64,%%%', 1000)).toBeUndefined()
  // Not UTF-8.
  expect(dataUrlJson('data:application/json;base64,/w==', 1000)).toBeUndefined()
})

test("a script's map URL: the SourceMap header wins over the comment; relative URLs resolve", () => {
  const script = { url: 'http://h/assets/app.js', text: 'x()\n//# sourceMappingURL=app.js.map' }
  expect(sourceMapUrl(script)).toBe('http://h/assets/app.js.map')
  expect(sourceMapUrl({ ...script, headers: { SourceMap: '/maps/app.map' } })).toBe(
    'http://h/maps/app.map',
  )
  expect(sourceMapUrl({ ...script, headers: { 'x-sourcemap': 'x.map' } })).toBe(
    'http://h/assets/x.map',
  )
  expect(sourceMapUrl({ ...script, headers: new Headers({ sourcemap: 'h.map' }) })).toBe(
    'http://h/assets/h.map',
  )
  expect(sourceMapUrl({ ...script, headers: new Headers() })).toBe('http://h/assets/app.js.map')
  expect(sourceMapUrl({ url: script.url, text: 'x()' })).toBeUndefined()
  expect(
    sourceMapUrl({
      url: script.url,
      text: '//# sourceMappingURL=data:application/json;base64,e30=',
    }),
  ).toBe('data:application/json;base64,e30=')
  // A reference that is no URL at all, against a base that is none either.
  expect(sourceMapUrl({ url: 'not a url', text: '//# sourceMappingURL=a.map' })).toBeUndefined()
})

test('loadSourceMap reads inline maps, fetches the others, and gives up quietly', async () => {
  const map = (source: string) =>
    JSON.stringify({ version: 3, sources: [source], names: [], mappings: ';AAKA' })
  const inline = `data:application/json;base64,${Buffer.from(map('inline.ts')).toString('base64')}`
  const fetched: string[] = []
  const options = {
    maxMapBytes: 1000,
    fetchMap: async (url: string) => {
      fetched.push(url)
      if (url.endsWith('/throws.map')) throw new Error('network down')
      if (url.endsWith('/huge.map')) return `${map('huge.ts')}${' '.repeat(2000)}`
      if (url.endsWith('/bad.map')) return '{"version":3,"sources":["bad.ts"],"mappings":";AA!A"}'
      return url.endsWith('/app.js.map') ? map('../src/app.ts') : undefined
    },
  }
  const at = async (text: string) => {
    const data = await loadSourceMap({ url: 'http://h/dist/app.js', text }, options)
    return data === undefined ? undefined : originalLocation(data, 2, 1)
  }
  expect(await at(`x()\n//# sourceMappingURL=${inline}`)).toEqual({
    url: 'http://h/dist/inline.ts',
    line: 6,
    column: 1,
  })
  expect(await at('x()\n//# sourceMappingURL=app.js.map')).toEqual({
    url: 'http://h/src/app.ts',
    line: 6,
    column: 1,
  })
  for (const name of ['throws', 'huge', 'bad', 'missing']) {
    expect(await at(`x()\n//# sourceMappingURL=${name}.map`), name).toBeUndefined()
  }
  expect(await at('x()')).toBeUndefined()
  expect(fetched).toEqual([
    'http://h/dist/app.js.map',
    'http://h/dist/throws.map',
    'http://h/dist/huge.map',
    'http://h/dist/bad.map',
    'http://h/dist/missing.map',
  ])
})

test('formatFrames shows a resolved frame at its original location', () => {
  const frame = { functionName: 'startTicker', url: 'http://h/src/Leaky.tsx', line: 8, column: 2 }
  expect(formatFrames([frame])).toBe('    http://h/src/Leaky.tsx:8:2 (startTicker)')
  expect(
    formatFrames([{ ...frame, original: { url: 'http://h/src/Leaky.tsx', line: 14, column: 3 } }]),
  ).toBe('    http://h/src/Leaky.tsx:14:3 (startTicker)')
})
