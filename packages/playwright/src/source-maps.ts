// Original locations for the frames of a report, found through the page's source maps before the
// report is formatted or attached. Only reports with findings get here, so a passing test never
// pays for it. Scripts and maps are fetched with the test context's request API (the context's
// cookies, the dev server's own transforms), size- and time-limited; whatever cannot be had or
// is malformed leaves the frame at its generated location, never an error.
import type { APIRequestContext } from '@playwright/test'
import type { StackFrame } from 'leakscope'
import { loadSourceMap, originalLocation, type SourceMapData } from 'leakscope/source-map'

export const SOURCE_MAP_LIMITS = {
  /** Largest script read (for its map reference, or to locate a long frame's script). */
  scriptBytes: 20_000_000,
  /** Largest source map read (fetched, or an inline map's decoded bytes). */
  mapBytes: 5_000_000,
  /** Each request is abandoned after this long. */
  fetchMs: 3_000,
  /** A report waits at most this long for its maps; later ones are not waited for. */
  reportMs: 5_000,
  /** Script URLs per test context whose maps (or their absence) are remembered. */
  cachedScripts: 64,
} as const

/** Per test context: each script URL's map, or undefined when it has none that can be used. */
export type SourceMapCache = Map<string, Promise<SourceMapData | undefined>>

interface Fetched {
  text: string
  headers: Record<string, string>
}

// GETs `url` through the context's request API (also for long frames' script texts): undefined
// on any failure, or past `maxBytes`.
export async function fetchLimited(
  request: APIRequestContext,
  url: string,
  maxBytes: number,
): Promise<Fetched | undefined> {
  try {
    const response = await request.get(url, {
      timeout: SOURCE_MAP_LIMITS.fetchMs,
      failOnStatusCode: false,
    })
    try {
      if (!response.ok()) return undefined
      const headers = response.headers()
      const declared = Number(headers['content-length'])
      if (Number.isFinite(declared) && declared > maxBytes) return undefined
      const body = await response.body()
      if (body.byteLength > maxBytes) return undefined
      return { text: body.toString('utf8'), headers }
    } finally {
      await response.dispose().catch(() => undefined)
    }
  } catch {
    return undefined
  }
}

const isHttp = (url: string): boolean => /^https?:\/\//i.test(url)

async function loadMap(
  request: APIRequestContext,
  url: string,
): Promise<SourceMapData | undefined> {
  const script = await fetchLimited(request, url, SOURCE_MAP_LIMITS.scriptBytes)
  if (script === undefined) return undefined
  return loadSourceMap(
    { url, text: script.text, headers: script.headers },
    {
      maxMapBytes: SOURCE_MAP_LIMITS.mapBytes,
      fetchMap: async (mapUrl) =>
        isHttp(mapUrl)
          ? (await fetchLimited(request, mapUrl, SOURCE_MAP_LIMITS.mapBytes))?.text
          : undefined,
    },
  )
}

function mapFor(
  cache: SourceMapCache,
  request: APIRequestContext,
  url: string,
): Promise<SourceMapData | undefined> {
  const key = url.split('#')[0] ?? url
  let entry = cache.get(key)
  if (entry === undefined) {
    if (cache.size >= SOURCE_MAP_LIMITS.cachedScripts) {
      const oldest = cache.keys().next().value
      if (oldest !== undefined) cache.delete(oldest)
    }
    entry = loadMap(request, key).catch(() => undefined)
    cache.set(key, entry)
  }
  return entry
}

const isFrame = (value: unknown): value is StackFrame =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as StackFrame).url === 'string' &&
  typeof (value as StackFrame).line === 'number' &&
  typeof (value as StackFrame).column === 'number'

// Where frames live in the reports of this package: items' creation stacks, long frames'
// blocking stacks and their `source` (one frame).
function collectFrames(value: unknown, out: StackFrame[], depth = 0): void {
  if (depth > 8 || typeof value !== 'object' || value === null) return
  if (Array.isArray(value)) {
    for (const item of value) collectFrames(item, out, depth + 1)
    return
  }
  for (const [key, field] of Object.entries(value)) {
    if ((key === 'creationStack' || key === 'blockingStack') && Array.isArray(field)) {
      for (const frame of field) if (isFrame(frame)) out.push(frame)
    } else if (key === 'source' && isFrame(field)) {
      out.push(field)
    } else {
      collectFrames(field, out, depth + 1)
    }
  }
}

/**
 * A copy of `data` (plain report data) whose frames carry `original` where the script's source
 * map has one. Resolves within about `SOURCE_MAP_LIMITS.reportMs` whatever the network does.
 */
export async function withOriginalLocations<T>(
  data: T,
  request: APIRequestContext,
  cache: SourceMapCache,
): Promise<T> {
  // A report must come out whatever happens here: anything unexpected leaves it as it was.
  return resolveCopy(data, request, cache).catch(() => data)
}

async function resolveCopy<T>(
  data: T,
  request: APIRequestContext,
  cache: SourceMapCache,
): Promise<T> {
  const copy = structuredClone(data)
  const frames: StackFrame[] = []
  collectFrames(copy, frames)
  // Innermost frames come first, and they matter most: beyond the cache's size, scripts are left.
  const urls = [...new Set(frames.map((frame) => frame.url).filter(isHttp))].slice(
    0,
    SOURCE_MAP_LIMITS.cachedScripts,
  )
  if (urls.length === 0) return copy
  const maps = new Map<string, SourceMapData>()
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, SOURCE_MAP_LIMITS.reportMs)
  })
  const loaded = Promise.all(
    urls.map(async (url) => {
      const map = await mapFor(cache, request, url)
      if (map !== undefined) maps.set(url, map)
    }),
  )
  await Promise.race([loaded, deadline])
  clearTimeout(timer)
  for (const frame of frames) {
    const map = maps.get(frame.url)
    const original = map === undefined ? undefined : originalLocation(map, frame.line, frame.column)
    if (original !== undefined) frame.original = original
  }
  return copy
}
