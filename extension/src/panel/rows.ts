// How one item, one long frame and their details look. Page strings go in as text only; every
// source location goes through links.ts.
import { el, formatAge, formatClock, formatMs, num, text } from './dom.js'
import { sourceLink, stackView, type OpenResource } from './links.js'
import type { FrameRow, ItemRow } from './store.js'
import type { LoafScriptAttribution } from './types.js'

export const ROW_HEIGHT = 20

function cell(className: string, value: string | Node): HTMLElement {
  const node = el('div', `cell ${className}`, value)
  if (typeof value === 'string' && value !== '') node.title = value
  return node
}

export function itemHeader(): HTMLElement {
  return el(
    'div',
    'list-header cols-items',
    cell('kind', 'Kind'),
    cell('name', 'Name'),
    cell('age', 'Age'),
    cell('state', 'State'),
    cell('detail', 'Detail'),
    cell('where', 'Created at'),
  )
}

export function renderItem(open: OpenResource, now: number, item: ItemRow, row: HTMLElement): void {
  const top = item.stack[0]
  row.append(
    cell('kind', el('span', 'kind-badge', item.kind)),
    cell('name', item.name),
    cell('age', formatAge(now - item.createdAt)),
    cell('state', item.state),
    cell('detail', item.detail),
    cell(
      'where',
      top === undefined
        ? el('span', 'muted', 'no stack')
        : sourceLink(open, top.url, top.line, top.column),
    ),
  )
}

/** Refreshes the age of a rendered item row. */
export function updateItem(now: number, item: ItemRow, row: HTMLElement): void {
  const age = row.querySelector('.age')
  const value = formatAge(now - item.createdAt)
  if (age !== null && age.textContent !== value) age.textContent = value
}

function facts(pairs: [string, string | Node][]): HTMLElement {
  const list = el('dl', 'facts')
  for (const [label, value] of pairs) {
    if (value === '') continue
    list.append(el('dt', '', label), el('dd', '', value))
  }
  return list
}

export function itemDetails(open: OpenResource, item: ItemRow, extra?: HTMLElement): HTMLElement {
  return el(
    'div',
    'details-body',
    el('div', 'details-title', el('span', 'kind-badge', item.kind), ' ', item.name),
    facts([
      ['State', item.state],
      ['Created', formatClock(item.createdAt)],
      ['Detail', item.detail],
      ['Frame', String(item.frameId)],
      ['Id', String(item.id)],
    ]),
    extra,
    el(
      'div',
      'section-title',
      item.stackOrigin === 'callback' ? 'Callback defined at' : 'Created at',
    ),
    stackView(open, item.stack, 'No creation stack was captured.'),
  )
}

export function frameHeader(): HTMLElement {
  return el(
    'div',
    'list-header cols-frames',
    cell('time', 'Time'),
    cell('duration', 'Duration'),
    cell('blocking', 'Blocking'),
    cell('invoker', 'Invoker'),
    cell('where', 'Source'),
  )
}

function attributions(row: FrameRow): LoafScriptAttribution[] {
  const list = row.block.attribution
  return Array.isArray(list)
    ? list
        .filter((a): a is LoafScriptAttribution => a !== null && typeof a === 'object')
        .slice(0, 50)
    : []
}

/** What the model offers as blocking: the time over the threshold (LoAF's blockingDuration rule). */
function blocking(row: FrameRow): number {
  return Math.max(0, num(row.block.duration) - num(row.block.threshold, 50))
}

function mainSource(
  row: FrameRow,
): { url: string; line?: number; column?: number; functionName: string } | undefined {
  const source = row.block.source
  if (source !== undefined && source !== null && typeof source === 'object') return source
  const top = Array.isArray(row.block.blockingStack) ? row.block.blockingStack[0] : undefined
  if (top !== undefined && top !== null && typeof top === 'object') return top
  const script = attributions(row).sort((a, b) => num(b.duration) - num(a.duration))[0]
  if (script === undefined) return undefined
  return {
    url: text(script.sourceURL),
    functionName: text(script.sourceFunctionName),
    ...(script.line === undefined ? {} : { line: script.line }),
    ...(script.column === undefined ? {} : { column: script.column }),
  }
}

export function renderFrame(open: OpenResource, row: FrameRow, element: HTMLElement): void {
  const first = attributions(row).sort((a, b) => num(b.duration) - num(a.duration))[0]
  const source = mainSource(row)
  const invoker = first !== undefined ? text(first.invoker, 300) : text(source?.functionName, 300)
  element.append(
    cell('time', formatClock(num(row.block.startTime, NaN))),
    cell('duration', formatMs(num(row.block.duration, NaN))),
    cell('blocking', formatMs(blocking(row))),
    cell('invoker', invoker),
    cell(
      'where',
      source === undefined || text(source.url) === ''
        ? el('span', 'muted', text(row.block.note, 300) || 'no attribution')
        : sourceLink(open, source.url, source.line, source.column),
    ),
  )
}

export function frameDetails(open: OpenResource, row: FrameRow): HTMLElement {
  const block = row.block
  const body = el(
    'div',
    'details-body',
    el('div', 'details-title', `Long frame: ${formatMs(num(block.duration, NaN))}`),
    facts([
      ['Start', formatClock(num(block.startTime, NaN))],
      ['Duration', formatMs(num(block.duration, NaN))],
      ['Blocking', formatMs(blocking(row))],
      ['Threshold', formatMs(num(block.threshold, NaN))],
      ['Page', row.url],
      ['Note', text(block.note)],
    ]),
  )
  const source = block.source
  if (source !== undefined && source !== null && typeof source === 'object') {
    body.append(
      el('div', 'section-title', 'Blocked in'),
      el(
        'div',
        'frame',
        el('span', 'function', text(source.functionName, 300) || '(anonymous)'),
        ' @ ',
        sourceLink(open, source.url, source.line, source.column),
      ),
    )
  }
  const scripts = attributions(row)
  if (scripts.length > 0) {
    const table = el('table', 'attribution')
    table.append(
      el(
        'tr',
        '',
        el('th', '', 'Invoker'),
        el('th', '', 'Type'),
        el('th', '', 'Function'),
        el('th', '', 'Source'),
        el('th', '', 'Duration'),
      ),
    )
    for (const script of scripts) {
      table.append(
        el(
          'tr',
          '',
          el('td', '', text(script.invoker, 300)),
          el('td', '', text(script.invokerType, 60)),
          el('td', '', text(script.sourceFunctionName, 300) || '(anonymous)'),
          el('td', '', sourceLink(open, script.sourceURL, script.line, script.column)),
          el('td', 'num', formatMs(num(script.duration, NaN))),
        ),
      )
    }
    body.append(el('div', 'section-title', 'Scripts (Long Animation Frame attribution)'), table)
  }
  if (Array.isArray(block.blockingStack) && block.blockingStack.length > 0) {
    body.append(el('div', 'section-title', 'Blocking stack'), stackView(open, block.blockingStack))
  }
  return body
}
