// Source map reading shared by the Playwright integration and the DevTools extension (the
// `leakscope/source-map` entry). Platform-neutral: no DOM, no Node APIs, no fetching of its own
// (callers fetch with whatever carries the page's cookies and limits). A map comes from the page
// and is hostile like everything else the page says: it is parsed defensively, every index it
// holds is range-checked, and a malformed map is refused (`undefined`), never half-used. Only
// standard (version 3) maps with `mappings`; index maps (`sections`) are not supported.
import type { OriginalLocation } from './model.js'

export type { OriginalLocation }

/** A parsed source map: what `originalLocation` needs, nothing else. */
export interface SourceMapData {
  /** Absolute URLs of the original sources (or the raw names when they do not resolve). */
  readonly sources: readonly string[]
  readonly names: readonly string[]
  /**
   * Per generated line (0-based): segments of 5 numbers (generated column, source index,
   * original line, original column, name index; -1 where absent), sorted by generated column.
   */
  readonly lines: readonly Int32Array[]
}

/** A script as served: its URL, its text and (optionally) its response headers. */
export interface ServedScript {
  url: string
  text: string
  /** Response headers: a `Headers`-like object, or a record (names in any case). */
  headers?: HeaderLookup | Readonly<Record<string, string>>
}

/** What `loadSourceMap` needs from its caller. */
export interface LoadSourceMapOptions {
  /** Largest map read, in bytes (an inline map's decoded bytes; a fetched map's text length). */
  maxMapBytes: number
  /**
   * Fetches a map's JSON text from an absolute URL; resolves undefined (or rejects) to give up.
   * The caller applies its own policy here (origins, timeouts, `maxMapBytes`).
   */
  fetchMap(url: string): Promise<string | undefined>
}

/** The `get` of a `Headers` object. */
export interface HeaderLookup {
  get(name: string): string | null
}

// The web platform's URL, atob and TextDecoder exist in every runtime this entry targets
// (browsers, Node >= 20, workers), but the shared code is compiled without DOM or Node types.
interface WebGlobals {
  URL: new (url: string, base?: string) => { href: string }
  atob(data: string): string
  TextDecoder: new (
    label: string,
    options: { fatal: boolean },
  ) => {
    decode(bytes: Uint8Array): string
  }
}
const web = globalThis as unknown as WebGlobals

const NO_VALUE = -1
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const DIGIT = new Int8Array(128).fill(-1)
for (let i = 0; i < BASE64.length; i++) DIGIT[BASE64.charCodeAt(i)] = i

/**
 * Decodes the base64 VLQ values of `text[start, end)`. Undefined on a bad character, a value cut
 * short, or a value over 2^31.
 */
export function decodeVlq(
  text: string,
  start = 0,
  end: number = text.length,
): number[] | undefined {
  const out: number[] = []
  let value = 0
  let shift = 0
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i)
    const digit = code < 128 ? (DIGIT[code] ?? -1) : -1
    if (digit < 0) return undefined
    // Arithmetic, not bit shifts: a shift wraps at 32 bits and would hide an oversized value.
    value += (digit & 31) * 2 ** shift
    shift += 5
    if (value > 2 ** 32) return undefined
    if ((digit & 32) === 0) {
      const magnitude = Math.floor(value / 2)
      out.push(value % 2 === 1 ? -magnitude : magnitude)
      value = 0
      shift = 0
    }
  }
  return shift === 0 ? out : undefined
}

/**
 * Decodes a map's `mappings` into per-line segments (see `SourceMapData.lines`). Undefined when it
 * is malformed or refers to a source or name index outside `sourceCount` / `nameCount`.
 */
export function decodeMappings(
  mappings: string,
  sourceCount: number,
  nameCount: number,
): Int32Array[] | undefined {
  const lines: Int32Array[] = []
  // Every field but the generated column carries over from line to line.
  let source = 0
  let sourceLine = 0
  let sourceColumn = 0
  let name = 0
  let lineStart = 0
  const empty = new Int32Array(0)
  while (lineStart <= mappings.length) {
    let lineEnd = mappings.indexOf(';', lineStart)
    if (lineEnd === -1) lineEnd = mappings.length
    const segments: number[] = []
    let column = 0
    let segmentStart = lineStart
    while (segmentStart < lineEnd) {
      let segmentEnd = mappings.indexOf(',', segmentStart)
      if (segmentEnd === -1 || segmentEnd > lineEnd) segmentEnd = lineEnd
      const fields = decodeVlq(mappings, segmentStart, segmentEnd)
      if (fields === undefined) return undefined
      const n = fields.length
      if (n !== 1 && n !== 4 && n !== 5) return undefined
      column += fields[0] ?? 0
      if (column < 0) return undefined
      if (n === 1) {
        segments.push(column, NO_VALUE, NO_VALUE, NO_VALUE, NO_VALUE)
      } else {
        source += fields[1] ?? 0
        sourceLine += fields[2] ?? 0
        sourceColumn += fields[3] ?? 0
        if (source < 0 || source >= sourceCount || sourceLine < 0 || sourceColumn < 0) {
          return undefined
        }
        let nameIndex = NO_VALUE
        if (n === 5) {
          name += fields[4] ?? 0
          if (name < 0 || name >= nameCount) return undefined
          nameIndex = name
        }
        segments.push(column, source, sourceLine, sourceColumn, nameIndex)
      }
      segmentStart = segmentEnd + 1
    }
    lines.push(segments.length === 0 ? empty : sortByColumn(segments))
    lineStart = lineEnd + 1
  }
  return lines
}

function sortByColumn(segments: number[]): Int32Array {
  let sorted = true
  for (let i = 5; i < segments.length; i += 5) {
    if ((segments[i] ?? 0) < (segments[i - 5] ?? 0)) sorted = false
  }
  if (sorted) return Int32Array.from(segments)
  const order: number[] = []
  for (let i = 0; i < segments.length; i += 5) order.push(i)
  order.sort((a, b) => (segments[a] ?? 0) - (segments[b] ?? 0))
  const out = new Int32Array(segments.length)
  order.forEach((from, k) => out.set(segments.slice(from, from + 5), k * 5))
  return out
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const MAX_SOURCES = 10_000
const MAX_NAMES = 200_000

/**
 * Parses a source map's JSON text. Sources are resolved against `sourceRoot` and `base` (the
 * map's URL, or the script's when the map is inline). Undefined for anything that is not a
 * well-formed version 3 map with `mappings`, including index maps (`sections`).
 */
export function parseSourceMap(json: string, base: string): SourceMapData | undefined {
  let raw: unknown
  try {
    raw = JSON.parse(json)
  } catch {
    return undefined
  }
  if (!isObject(raw) || raw.version !== 3 || typeof raw.mappings !== 'string') return undefined
  const sources = raw.sources
  const names = raw.names ?? []
  if (!Array.isArray(sources) || sources.length > MAX_SOURCES) return undefined
  if (!Array.isArray(names) || names.length > MAX_NAMES) return undefined
  const root = typeof raw.sourceRoot === 'string' ? raw.sourceRoot : ''
  const resolved: string[] = []
  for (const source of sources) {
    // A null source is allowed by the spec: it maps to nothing that can be shown.
    resolved.push(typeof source === 'string' ? resolveSource(root, source, base) : '')
  }
  const nameList = names.map((name) => (typeof name === 'string' ? name : ''))
  const lines = decodeMappings(raw.mappings, resolved.length, nameList.length)
  if (lines === undefined) return undefined
  return { sources: resolved, names: nameList, lines }
}

function resolveUrl(url: string, base: string): string | undefined {
  try {
    return new web.URL(url, base).href
  } catch {
    return undefined
  }
}

function resolveSource(root: string, source: string, base: string): string {
  const joined =
    root === '' || /^[a-z][a-z0-9+.-]*:/i.test(source)
      ? source
      : `${root}${root.endsWith('/') ? '' : '/'}${source}`
  return resolveUrl(joined, base) ?? joined
}

/**
 * The original location of a generated one (1-based line and column, as in a `StackFrame`): the
 * last mapping at or before that column on that line, if it names a source.
 */
export function originalLocation(
  map: SourceMapData,
  line: number,
  column: number,
): OriginalLocation | undefined {
  const segments = map.lines[line - 1]
  if (segments === undefined || segments.length === 0) return undefined
  const target = column - 1
  let low = 0
  let high = segments.length / 5 - 1
  let found = -1
  while (low <= high) {
    const mid = (low + high) >> 1
    if ((segments[mid * 5] ?? 0) <= target) {
      found = mid
      low = mid + 1
    } else {
      high = mid - 1
    }
  }
  if (found === -1) return undefined
  const at = found * 5
  const source = segments[at + 1] ?? NO_VALUE
  if (source === NO_VALUE) return undefined
  const url = map.sources[source] ?? ''
  if (url === '') return undefined
  const out: OriginalLocation = {
    url,
    line: (segments[at + 2] ?? 0) + 1,
    column: (segments[at + 3] ?? 0) + 1,
  }
  const nameIndex = segments[at + 4] ?? NO_VALUE
  const name = nameIndex === NO_VALUE ? '' : (map.names[nameIndex] ?? '')
  if (name !== '') out.name = name
  return out
}

/**
 * The URL in a script's last `//# sourceMappingURL=` (or `//@`) comment, as written (it may be
 * relative). Only the script's last 4 KB are searched: the comment must be among its last lines.
 */
export function sourceMappingComment(script: string): string | undefined {
  const tail = script.slice(-4096)
  const pattern = /\/\/[#@][ \t]*sourceMappingURL=[ \t]*([^\s'"]+)[ \t]*$/gm
  let last: string | undefined
  for (const match of tail.matchAll(pattern)) last = match[1]
  return last
}

function header(
  headers: HeaderLookup | Readonly<Record<string, string>> | undefined,
  name: string,
): string | undefined {
  if (headers === undefined) return undefined
  if (typeof headers.get === 'function') {
    const value = (headers as HeaderLookup).get(name)
    return value === null || value.trim() === '' ? undefined : value.trim()
  }
  for (const [key, value] of Object.entries(headers as Record<string, string>)) {
    if (key.toLowerCase() === name && typeof value === 'string' && value.trim() !== '') {
      return value.trim()
    }
  }
  return undefined
}

/**
 * The absolute URL of a served script's source map (a `data:` URL stays as it is): its
 * `SourceMap` (or older `X-SourceMap`) response header, which takes precedence as the source map
 * specification says, else its last `sourceMappingURL` comment; relative URLs are resolved
 * against the script's URL. Undefined when the script names no map.
 */
export function sourceMapUrl(script: ServedScript): string | undefined {
  const reference =
    header(script.headers, 'sourcemap') ??
    header(script.headers, 'x-sourcemap') ??
    sourceMappingComment(script.text)
  if (reference === undefined) return undefined
  if (/^data:/i.test(reference)) return reference
  return resolveUrl(reference, script.url)
}

/**
 * The JSON text of a `data:application/json[;charset=...];base64,` URL. Undefined for any other
 * URL, bad base64, invalid UTF-8, or more than `maxBytes` decoded bytes.
 */
export function dataUrlJson(url: string, maxBytes: number): string | undefined {
  const match = /^data:application\/json(?:;charset=[\w-]+)?;base64,/i.exec(url)
  if (match === null) return undefined
  const payload = url.slice(match[0].length)
  if ((payload.length * 3) / 4 > maxBytes) return undefined
  try {
    const binary = web.atob(payload)
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0))
    return new web.TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return undefined
  }
}

/**
 * Finds and parses a served script's source map: an inline `data:` map is decoded here (its
 * sources are relative to the script), any other is fetched with `options.fetchMap` (its sources
 * are relative to the map). Resolves undefined, never rejects, when the script names no map or the
 * map cannot be had or is malformed.
 */
export async function loadSourceMap(
  script: ServedScript,
  options: LoadSourceMapOptions,
): Promise<SourceMapData | undefined> {
  try {
    const url = sourceMapUrl(script)
    if (url === undefined) return undefined
    if (/^data:/i.test(url)) {
      const json = dataUrlJson(url, options.maxMapBytes)
      return json === undefined ? undefined : parseSourceMap(json, script.url)
    }
    const json = await options.fetchMap(url)
    if (json === undefined || json.length > options.maxMapBytes) return undefined
    return parseSourceMap(json, url)
  } catch {
    return undefined
  }
}
