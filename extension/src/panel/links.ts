// Source locations as links into DevTools' Sources panel. The page chooses every URL and line we
// show, so only http(s) and file URLs become links, and only through `host.openResource` (never an
// `href`): anything else (javascript:, data:, blob:, chrome:, the agent's own leakscope:) is
// plain text.
//
// A location whose script has a source map is shown at its original location (asked of the page's
// relay through `open.locations`, see sourcemaps.ts): the link is built for the generated
// location and replaced in place when the original one arrives. The generated location stays in
// its tooltip.
import { el, num, text } from './dom.js'
import type { OriginalLocations } from './sourcemaps.js'
import type { OriginalLocation, StackFrame } from './types.js'

const OPENABLE = new Set(['http:', 'https:', 'file:'])
const MAX_URL = 4096

/** `url` if the Sources panel may open it, else undefined. */
export function openableUrl(url: unknown): string | undefined {
  if (typeof url !== 'string' || url.length === 0 || url.length > MAX_URL) return undefined
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return undefined
  }
  return OPENABLE.has(parsed.protocol) ? url : undefined
}

/** The model's 1-based line or column as the 0-based one `openResource` takes. */
export function zeroBased(position: unknown): number {
  const n = num(position, 1)
  return n >= 1 ? Math.floor(n) - 1 : 0
}

/** `file.js:12:5`: the last path segment of a URL and the position, for a compact cell. */
export function shortLocation(url: string, line?: number, column?: number): string {
  let name = url
  try {
    const parsed = new URL(url)
    const segments = parsed.pathname.split('/')
    const last = segments[segments.length - 1] ?? ''
    name = last !== '' ? last : parsed.host !== '' ? parsed.host : url
  } catch {
    // Not a URL (`<anonymous>`, an eval name): shown as it is.
  }
  const position =
    line === undefined || !Number.isFinite(line)
      ? ''
      : column === undefined || !Number.isFinite(column)
        ? `:${line}`
        : `:${line}:${column}`
  return `${text(name, 200)}${position}`
}

/**
 * Opens a location in DevTools; `copies` when the host can only copy it (Firefox). `locations`:
 * where original (source-mapped) locations come from; without it, links stay generated.
 */
export type OpenResource = ((url: string, line0: number, column0: number) => void) & {
  readonly copies?: boolean
  locations?: OriginalLocations
}

/**
 * A source location: a button styled as a link calling `open(url, line - 1, column - 1)` when the
 * URL is openable, plain text otherwise. When `open.locations` knows (or later learns) the
 * location's original one, the link shows and opens that instead.
 */
export function sourceLink(
  open: OpenResource,
  url: unknown,
  line: unknown,
  column: unknown,
): HTMLElement {
  const generated = generatedLink(open, url, line, column)
  const original = open.locations?.lookup(url, line, column, (found) => {
    // Still shown (a virtual list may have dropped the row): show the original location.
    if (generated.isConnected) generated.replaceWith(originalLink(open, found, generated))
  })
  return original === undefined || original === null
    ? generated
    : originalLink(open, original, generated)
}

function generatedLink(
  open: OpenResource,
  url: unknown,
  line: unknown,
  column: unknown,
): HTMLElement {
  const rawUrl = text(url, MAX_URL)
  const hasLine = typeof line === 'number' && Number.isFinite(line)
  const hasColumn = typeof column === 'number' && Number.isFinite(column)
  const label = shortLocation(
    rawUrl === '' ? '(unknown)' : rawUrl,
    hasLine ? line : undefined,
    hasColumn ? column : undefined,
  )
  const target = openableUrl(url)
  if (target === undefined) {
    const span = el('span', 'location', label)
    if (rawUrl !== '') span.title = rawUrl
    return span
  }
  const link = el('button', 'link location', label)
  link.type = 'button'
  const where = hasLine ? `${target}:${line}${hasColumn ? `:${column}` : ''}` : target
  link.title = open.copies === true ? `Copy ${where}` : where
  link.dataset.location = where
  const line0 = zeroBased(line)
  const column0 = zeroBased(column)
  link.addEventListener('click', (event) => {
    event.stopPropagation()
    open(target, line0, column0)
  })
  return link
}

/**
 * The original location's link: it opens the original source when its URL is openable (DevTools
 * knows the page's source-mapped URLs), else the generated location, which its tooltip names.
 */
function originalLink(
  open: OpenResource,
  original: OriginalLocation,
  generated: HTMLElement,
): HTMLElement {
  const url = text(original.url, MAX_URL)
  const label = shortLocation(url === '' ? '(unknown)' : url, original.line, original.column)
  const name = text(original.name, 300)
  const where = `${url}:${original.line}:${original.column}${name === '' ? '' : ` (${name})`}`
  const generatedWhere = generated.dataset.location ?? generated.title
  const title = `${open.copies === true ? 'Copy ' : ''}${where}\ngenerated: ${generatedWhere}`
  const target = openableUrl(original.url)
  const link = el('button', 'link location original', label)
  link.type = 'button'
  link.title = title
  link.dataset.generated = generatedWhere
  const line0 = zeroBased(original.line)
  const column0 = zeroBased(original.column)
  link.addEventListener('click', (event) => {
    event.stopPropagation()
    if (target !== undefined) open(target, line0, column0)
    else generated.click()
  })
  if (target === undefined && !(generated instanceof HTMLButtonElement)) {
    // Neither location can be opened: plain text, like any unopenable location.
    const span = el('span', 'location original', label)
    span.title = title
    return span
  }
  return link
}

/** One stack frame: the function name and its location link. */
export function frameView(open: OpenResource, frame: StackFrame): HTMLElement {
  const name = text(frame.functionName, 300)
  return el(
    'div',
    'frame',
    el('span', 'function', name === '' ? '(anonymous)' : name),
    ' @ ',
    sourceLink(open, frame.url, frame.line, frame.column),
  )
}

/** A whole stack (innermost first), or a note that there is none. */
export function stackView(open: OpenResource, stack: unknown, empty = 'No stack'): HTMLElement {
  const box = el('div', 'stack')
  if (!Array.isArray(stack) || stack.length === 0) {
    box.append(el('div', 'muted', empty))
    return box
  }
  for (const frame of stack.slice(0, 100)) {
    if (frame !== null && typeof frame === 'object')
      box.append(frameView(open, frame as StackFrame))
  }
  return box
}
