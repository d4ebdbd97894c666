// Original locations for the panel's stack frames, found by the relay (a content script's fetches
// carry the page's origin, so it can read the page's own scripts and maps like DevTools does).
// The page serves both and is hostile: only http(s) URLs of this document's origin (and maps in
// data: URLs) are read, every body is size-limited and time-limited, and maps are parsed by
// leakscope/source-map, which refuses anything malformed. Results are cached per script URL.
import { loadSourceMap, originalLocation, type SourceMapData } from 'leakscope/source-map'
import type { FrameLocation, ResolvedLocation } from '../bridge.js'

export const SOURCE_MAP_LIMITS = {
  /** Largest script read to find its sourceMappingURL comment. */
  scriptBytes: 20_000_000,
  /** Largest source map read (a fetched map, or a data: URL's decoded bytes). */
  mapBytes: 5_000_000,
  /** Each fetch is abandoned after this long. */
  fetchMs: 10_000,
  /** Script URLs whose maps (or their absence) are remembered. */
  cachedScripts: 32,
} as const

const cache = new Map<string, Promise<SourceMapData | undefined>>()

/** `url` if it is an http(s) URL of `origin`, else undefined. */
function sameOrigin(url: string, base: string, origin: string): URL | undefined {
  try {
    const parsed = new URL(url, base)
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined
    return parsed.origin === origin ? parsed : undefined
  } catch {
    return undefined
  }
}

/** `url`'s response, fully read, or undefined when it fails, is not 2xx, or exceeds `maxBytes`. */
async function fetchLimited(url: string, maxBytes: number): Promise<Response | undefined> {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), SOURCE_MAP_LIMITS.fetchMs)
  try {
    const response = await fetch(url, {
      credentials: 'same-origin',
      // The page just loaded the script: the HTTP cache usually answers.
      cache: 'force-cache',
      redirect: 'error',
      signal: controller.signal,
    })
    if (!response.ok || response.body === null) return undefined
    const declared = Number(response.headers.get('content-length'))
    if (Number.isFinite(declared) && declared > maxBytes) {
      controller.abort()
      return undefined
    }
    const reader = response.body.getReader()
    const chunks: Uint8Array<ArrayBuffer>[] = []
    let size = 0
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > maxBytes) {
        controller.abort()
        return undefined
      }
      chunks.push(value)
    }
    return new Response(new Blob(chunks), { headers: response.headers })
  } catch {
    return undefined
  } finally {
    clearTimeout(timer)
  }
}

async function loadMap(scriptUrl: URL, origin: string): Promise<SourceMapData | undefined> {
  const script = await fetchLimited(scriptUrl.href, SOURCE_MAP_LIMITS.scriptBytes)
  if (script === undefined) return undefined
  const text = await script.text().catch(() => '')
  return loadSourceMap(
    { url: scriptUrl.href, text, headers: script.headers },
    {
      maxMapBytes: SOURCE_MAP_LIMITS.mapBytes,
      fetchMap: async (url) => {
        // The same policy as for scripts: nothing outside the document's origin is read.
        const mapUrl = sameOrigin(url, scriptUrl.href, origin)
        if (mapUrl === undefined) return undefined
        const map = await fetchLimited(mapUrl.href, SOURCE_MAP_LIMITS.mapBytes)
        return map === undefined ? undefined : map.text().catch(() => undefined)
      },
    },
  )
}

function mapFor(url: URL, origin: string): Promise<SourceMapData | undefined> {
  const key = url.href.split('#')[0] ?? url.href
  let entry = cache.get(key)
  if (entry === undefined) {
    if (cache.size >= SOURCE_MAP_LIMITS.cachedScripts) {
      const oldest = cache.keys().next().value
      if (oldest !== undefined) cache.delete(oldest)
    }
    entry = loadMap(url, origin).catch(() => undefined)
    cache.set(key, entry)
  }
  return entry
}

/** Resolves each location whose script is an http(s) URL of `origin` and has a usable map. */
export async function resolveLocations(
  frames: readonly FrameLocation[],
  origin: string,
  base: string,
): Promise<ResolvedLocation[]> {
  return Promise.all(
    frames.map(async (frame): Promise<ResolvedLocation> => {
      const generated = { url: frame.url, line: frame.line, column: frame.column }
      const url = sameOrigin(frame.url, base, origin)
      if (url === undefined) return generated
      const map = await mapFor(url, origin)
      const original =
        map === undefined ? undefined : originalLocation(map, frame.line, frame.column)
      return original === undefined ? generated : { ...generated, original }
    }),
  )
}
