// The Leakscope panel: live items and their counts, recordings (what a Start..Stop left alive),
// and long frames. Messages only change state (store.ts) and mark views dirty; the DOM is updated
// at most once per animation frame, and lists are windowed (list.ts), so a page with 10,000 live
// timers or a burst of batches costs the panel a few dozen rows per frame.
import { CountsChart } from './chart.js'
import { button, el, formatClock, num, text } from './dom.js'
import type { OpenResource } from './links.js'
import { VirtualList } from './list.js'
import { OriginalLocations } from './sourcemaps.js'
import {
  ROW_HEIGHT,
  frameDetails,
  frameHeader,
  itemDetails,
  itemHeader,
  renderFrame,
  renderItem,
  updateItem,
} from './rows.js'
import {
  LiveStore,
  LongFrameStore,
  ReportStore,
  matches,
  type FrameRow,
  type ItemRow,
  type ReportEntry,
} from './store.js'
import {
  SUPPORTED_AGENT_PROTOCOLS,
  type BrowserTaskKind,
  type PanelConnection,
  type PanelHost,
  type ToPanel,
} from './types.js'

type View = 'live' | 'recordings' | 'frames'
type Dirty = 'live' | 'reports' | 'frames' | 'chrome'
type RecordState = 'idle' | 'recording' | 'stopping'

interface AgentInfo {
  url: string
  protocol: number
  version: string
  compatible: boolean
}

const VIEWS: { view: View; label: string }[] = [
  { view: 'live', label: 'Live' },
  { view: 'recordings', label: 'Recordings' },
  { view: 'frames', label: 'Long frames' },
]

/** Renders the panel into `root` and connects it through `host`; returns its disposer. */
export function mountPanel(root: HTMLElement, host: PanelHost): () => void {
  const doc = root.ownerDocument
  doc.documentElement.dataset.theme = host.theme === 'dark' ? 'dark' : 'light'
  const open: OpenResource = Object.assign(
    (url: string, line0: number, column0: number) => host.openResource(url, line0, column0),
    { copies: host.canOpenResource === false },
  )
  // Source-mapped locations, asked of the page's relays (through the worker) as links need them.
  open.locations = new OriginalLocations((message) => connection?.send(message))

  // ---- state
  const live = new LiveStore()
  const longFrames = new LongFrameStore()
  const reports = new ReportStore()
  const agents = new Map<number, AgentInfo>()
  let status: 'connecting' | 'connected' | 'disconnected' = 'connecting'
  let recordState: RecordState = 'idle'
  let recording: ReportEntry | undefined
  let selectedEntry: ReportEntry | undefined
  let view: View = 'live'
  let kindFilter = ''
  let query = ''
  let errorText = ''
  let topUrl = ''
  let kindsShown = ''
  let liveDetailsKey: string | undefined
  let reportDetails: { type: 'item'; row: ItemRow } | { type: 'frame'; row: FrameRow } | undefined
  let connection: PanelConnection | undefined

  // ---- toolbar
  const recordButton = button('tool record', 'Start', () => toggleRecording())
  const clearButton = button('tool clear', 'Clear', () => clearRecorded())
  clearButton.title = 'Clear recordings and long frames'
  const kindSelect = el('select', 'kind-filter')
  kindSelect.setAttribute('aria-label', 'Filter by kind')
  kindSelect.append(new Option('All kinds', ''))
  kindSelect.addEventListener('change', () => {
    kindFilter = kindSelect.value
    markAll()
  })
  const filterInput = el('input', 'text-filter')
  filterInput.type = 'search'
  filterInput.placeholder = 'Filter'
  filterInput.setAttribute('aria-label', 'Filter by text')
  filterInput.addEventListener('input', () => {
    query = filterInput.value.trim().toLowerCase()
    markAll()
  })
  const exportButton = button('tool export', 'Export JSON', () => exportCurrent())
  const statusText = el('span', 'status-text')
  const toolbar = el(
    'div',
    'toolbar',
    recordButton,
    clearButton,
    el('span', 'divider'),
    kindSelect,
    filterInput,
    el('span', 'divider'),
    exportButton,
    el('span', 'spacer'),
    statusText,
  )
  toolbar.setAttribute('role', 'toolbar')

  // ---- banners
  const incompatibleBanner = el('div', 'banner banner-error incompatible')
  incompatibleBanner.setAttribute('role', 'alert')
  const connectionBanner = el('div', 'banner banner-warning connection')
  connectionBanner.setAttribute('role', 'status')
  const errorMessage = el('span', '')
  const errorBanner = el(
    'div',
    'banner banner-error error',
    errorMessage,
    button('link dismiss', 'Dismiss', () => {
      errorText = ''
      mark('chrome')
    }),
  )
  errorBanner.setAttribute('role', 'alert')

  // ---- tabs
  const tabButtons = new Map<View, HTMLButtonElement>()
  const tabCounts = new Map<View, HTMLElement>()
  const tabs = el('div', 'tabs')
  tabs.setAttribute('role', 'tablist')
  for (const { view: v, label } of VIEWS) {
    const count = el('span', 'tab-count')
    const tab = button('tab', label, () => show(v))
    tab.append(count)
    tab.setAttribute('role', 'tab')
    tab.dataset.view = v
    tabButtons.set(v, tab)
    tabCounts.set(v, count)
    tabs.append(tab)
  }

  // ---- live view
  const chart = new CountsChart()
  const liveList = new VirtualList<ItemRow>({
    rowHeight: ROW_HEIGHT,
    className: 'cols-items live-list',
    key: (row) => row.key,
    render: (row, element) => renderItem(open, Date.now(), row, element),
    update: (row, element) => updateItem(Date.now(), row, element),
    empty: 'Waiting for the page’s agent…',
    onSelect: () => mark('live'),
  })
  const liveDetails = el('div', 'details live-details')
  const liveView = el(
    'section',
    'view view-live',
    chart.element,
    el('div', 'split', el('div', 'list-pane', itemHeader(), liveList.element), liveDetails),
  )

  // ---- recordings view
  const entryList = el('div', 'entries')
  entryList.setAttribute('role', 'listbox')
  entryList.setAttribute('aria-label', 'Recordings and app scopes')
  const reportSummary = el('div', 'report-summary')
  const reportList = new VirtualList<ItemRow>({
    rowHeight: ROW_HEIGHT,
    className: 'cols-items report-list',
    key: (row) => row.key,
    render: (row, element) => renderItem(open, Date.now(), row, element),
    update: (row, element) => updateItem(Date.now(), row, element),
    empty: 'Nothing here.',
    onSelect: (row) => {
      reportDetails = row === undefined ? undefined : { type: 'item', row }
      mark('reports')
    },
  })
  const reportBlocks = el('div', 'report-blocks')
  const reportDetailsPane = el('div', 'details report-details')
  const recordingsView = el(
    'section',
    'view view-recordings',
    el(
      'div',
      'split split3',
      entryList,
      el('div', 'list-pane', reportSummary, itemHeader(), reportList.element, reportBlocks),
      reportDetailsPane,
    ),
  )

  // ---- long frames view
  const frameList = new VirtualList<FrameRow>({
    rowHeight: ROW_HEIGHT,
    className: 'cols-frames frame-list',
    key: (row) => row.key,
    render: (row, element) => renderFrame(open, row, element),
    empty: 'No long frames yet (frames over 50 ms show up here).',
    onSelect: () => mark('frames'),
  })
  const frameDetailsPane = el('div', 'details frame-details')
  const framesView = el(
    'section',
    'view view-frames',
    el('div', 'split', el('div', 'list-pane', frameHeader(), frameList.element), frameDetailsPane),
  )

  const views = new Map<View, HTMLElement>([
    ['live', liveView],
    ['recordings', recordingsView],
    ['frames', framesView],
  ])
  const panel = el(
    'div',
    'panel',
    toolbar,
    incompatibleBanner,
    connectionBanner,
    errorBanner,
    tabs,
    liveView,
    recordingsView,
    framesView,
  )
  root.replaceChildren(panel)

  // ---- rendering (batched per animation frame)
  const dirty = new Set<Dirty>(['live', 'reports', 'frames', 'chrome'])
  let frame = 0
  function mark(part: Dirty): void {
    dirty.add(part)
    if (frame === 0) frame = globalThis.requestAnimationFrame(render)
  }
  function markAll(): void {
    for (const part of ['live', 'reports', 'frames', 'chrome'] as const) mark(part)
  }

  function render(): void {
    frame = 0
    const now = Date.now()
    if (dirty.has('live')) renderLive(now)
    if (dirty.has('reports')) renderReports()
    if (dirty.has('frames')) renderFrames()
    if (dirty.has('chrome')) renderChrome()
    dirty.clear()
  }

  function renderLive(now: number): void {
    const rows = live.rows().filter((row) => matches(row, kindFilter, query))
    liveList.setEmpty(
      agents.size === 0
        ? 'Waiting for the page’s agent… (reload the page if it was open before the extension)'
        : live.rows().length === 0
          ? 'No live items: nothing the page created is pending.'
          : 'No live item matches the filter.',
    )
    liveList.setItems(rows)
    chart.render(live.history, now, live.truncated())
    tabCounts.get('live')!.textContent = String(live.rows().length)
    const key = liveList.selectedKey
    const selected = key === undefined ? undefined : live.get(key)
    if (key !== liveDetailsKey || selected === undefined) {
      liveDetailsKey = selected === undefined ? undefined : key
      if (selected === undefined) {
        liveDetails.replaceChildren(
          el(
            'div',
            'muted placeholder',
            key === undefined
              ? 'Select an item to see where it was created.'
              : 'This item is no longer pending.',
          ),
        )
      } else {
        const cancel = button('tool cancel', 'Cancel item', () =>
          connection?.send({
            type: 'cancel',
            frameId: selected.frameId,
            id: selected.id,
            kind: selected.kind as BrowserTaskKind,
          }),
        )
        cancel.title = 'Clear, remove, disconnect or abort it in the page'
        liveDetails.replaceChildren(itemDetails(open, selected, el('div', 'actions', cancel)))
      }
    }
    updateKinds()
  }

  function entrySubtitle(entry: ReportEntry): string {
    if (entry === recording && recordState === 'recording') return 'recording…'
    if (entry.reports.length === 0) {
      return entry.confirmed === true && entry.awaiting.size === 0
        ? 'no agent in the page'
        : 'waiting for the report…'
    }
    const leaks = entry.rows.length
    const blocks = entry.blocks.length
    return `${leaks} alive${blocks > 0 ? ` · ${blocks} long` : ''} · ${formatClock(entry.stoppedAt ?? entry.startedAt)}`
  }

  function renderReports(): void {
    entryList.replaceChildren()
    if (reports.entries.length === 0) {
      entryList.append(el('div', 'muted placeholder', 'Press Start, use the page, then Stop.'))
    }
    for (const entry of [...reports.entries].reverse()) {
      const item = button(
        `entry${entry === selectedEntry ? ' selected' : ''}${entry.origin === 'app' ? ' entry-app' : ''}`,
        '',
        () => {
          selectedEntry = entry
          reportDetails = undefined
          reportList.select(undefined)
          reportList.element.scrollTop = 0
          mark('reports')
          mark('chrome')
        },
      )
      item.setAttribute('role', 'option')
      item.append(
        el('span', 'entry-title', entry.title),
        el(
          'span',
          'entry-sub muted',
          entry.origin === 'app' ? `app · ${entrySubtitle(entry)}` : entrySubtitle(entry),
        ),
      )
      entryList.append(item)
    }
    tabCounts.get('recordings')!.textContent = String(reports.entries.length)

    const entry = selectedEntry
    reportBlocks.replaceChildren()
    if (entry === undefined) {
      reportSummary.textContent = 'No recording selected.'
      reportList.setItems([])
      reportDetailsPane.replaceChildren()
      return
    }
    reportSummary.replaceChildren(...summary(entry))
    reportList.setEmpty(
      entry === recording && recordState === 'recording'
        ? 'Recording… use the page, then press Stop.'
        : entry.reports.length === 0
          ? entry.confirmed === true && entry.awaiting.size === 0
            ? 'No frame of the page had an agent to record with (reload the page?).'
            : 'Waiting for the page’s report…'
          : entry.rows.length === 0
            ? 'Nothing created during the recording is still alive.'
            : 'No item matches the filter.',
    )
    reportList.setItems(entry.rows.filter((row) => matches(row, kindFilter, query)))
    const blocks = entry.blocks.filter((row) => matches(row, '', query))
    if (blocks.length > 0) {
      reportBlocks.append(
        el('div', 'section-title', `Long frames during the recording (${blocks.length})`),
        frameHeader(),
      )
      for (const row of blocks.slice(0, 200)) {
        const line = el('div', 'vlist-row static cols-frames')
        renderFrame(open, row, line)
        line.addEventListener('click', () => {
          reportDetails = { type: 'frame', row }
          mark('reports')
        })
        reportBlocks.append(line)
      }
    }
    if (reportDetails === undefined) {
      reportDetailsPane.replaceChildren(
        el('div', 'muted placeholder', 'Select an item to see where it was created.'),
      )
    } else if (reportDetails.type === 'item') {
      reportDetailsPane.replaceChildren(itemDetails(open, reportDetails.row))
    } else {
      reportDetailsPane.replaceChildren(frameDetails(open, reportDetails.row))
    }
  }

  function summary(entry: ReportEntry): (Node | string)[] {
    const urls = [...new Set(entry.reports.map((r) => text(r.report.url, 300)))].filter(
      (u) => u !== '',
    )
    const parts: (Node | string)[] = [el('strong', '', entry.title)]
    if (entry.origin === 'app') parts.push(' — reported by the page’s own leakscope scope')
    else if (entry.stoppedAt !== undefined)
      parts.push(` — ${formatClock(entry.startedAt)} to ${formatClock(entry.stoppedAt)}`)
    if (entry.reports.length > 0)
      parts.push(
        `: ${entry.rows.length} item${entry.rows.length === 1 ? '' : 's'} created in between and still alive`,
      )
    if (entry.awaiting.size > 0 && entry.stopped)
      parts.push(
        ` (waiting for ${entry.awaiting.size} frame${entry.awaiting.size === 1 ? '' : 's'})`,
      )
    if (urls.length > 0) parts.push(el('span', 'muted', ` · ${urls.join(', ')}`))
    if (entry.note !== undefined) parts.push(el('div', 'note', entry.note))
    return parts
  }

  function renderFrames(): void {
    const rows = longFrames.rows.filter((row) => matches(row, '', query))
    frameList.setItems(rows)
    tabCounts.get('frames')!.textContent = String(longFrames.rows.length)
    const selected = frameList.selected()
    frameDetailsPane.replaceChildren(
      selected === undefined
        ? el('div', 'muted placeholder', 'Select a long frame to see its attribution.')
        : frameDetails(open, selected),
    )
  }

  function renderChrome(): void {
    recordButton.textContent =
      recordState === 'recording' ? 'Stop' : recordState === 'stopping' ? 'Stopping…' : 'Start'
    recordButton.disabled = recordState === 'stopping'
    recordButton.classList.toggle('recording', recordState === 'recording')
    recordButton.title =
      recordState === 'recording'
        ? 'Stop recording and show what was created since Start and is still alive'
        : 'Start recording: open a leak scope in every frame of the page'
    for (const [v, tab] of tabButtons) {
      tab.classList.toggle('selected', v === view)
      tab.setAttribute('aria-selected', String(v === view))
    }
    for (const [v, element] of views) element.hidden = v !== view

    const incompatible = [...agents.values()].find((agent) => !agent.compatible)
    incompatibleBanner.hidden = incompatible === undefined
    if (incompatible !== undefined) {
      const supported = SUPPORTED_AGENT_PROTOCOLS
      const understood =
        supported.length === 1
          ? `protocol ${supported[0]}`
          : `protocols ${supported.slice(0, -1).join(', ')} and ${supported.at(-1)}`
      incompatibleBanner.textContent = `The page’s agent speaks protocol ${Number.isFinite(incompatible.protocol) ? incompatible.protocol : '?'}, this panel understands ${understood}. Update the Leakscope extension or the page’s leakscope so they match.`
    }
    connectionBanner.hidden = status !== 'disconnected'
    connectionBanner.textContent = 'Disconnected from the page. Reconnecting…'
    errorBanner.hidden = errorText === ''
    errorMessage.textContent = errorText

    const agent = agents.get(0) ?? agents.values().next().value
    statusText.textContent =
      status === 'connecting'
        ? 'Connecting…'
        : status === 'disconnected'
          ? 'Reconnecting…'
          : agent === undefined
            ? 'Connected · no agent yet'
            : `Agent ${agent.version} · protocol ${agent.protocol} · ${agents.size} frame${agents.size === 1 ? '' : 's'}`
    statusText.classList.toggle('bad', status !== 'connected')
    exportButton.disabled = exportData() === undefined
  }

  function updateKinds(): void {
    const kinds = new Set<string>(Object.keys(live.counts()))
    for (const row of live.rows()) kinds.add(row.kind)
    if (selectedEntry !== undefined) for (const row of selectedEntry.rows) kinds.add(row.kind)
    if (kindFilter !== '') kinds.add(kindFilter)
    const sorted = [...kinds].sort()
    const signature = sorted.join('\n')
    if (signature === kindsShown) return
    kindsShown = signature
    kindSelect.replaceChildren(new Option('All kinds', ''))
    for (const kind of sorted) kindSelect.append(new Option(kind, kind))
    kindSelect.value = kindFilter
  }

  function show(next: View): void {
    view = next
    markAll()
  }

  // ---- actions
  function toggleRecording(): void {
    if (recordState === 'idle') {
      recording = reports.startRecording()
      recordState = 'recording'
      selectedEntry = recording
      reportDetails = undefined
      connection?.send({ type: 'record-start' })
    } else if (recordState === 'recording') {
      recordState = 'stopping'
      if (recording !== undefined) {
        recording.stopped = true
        recording.stoppedAt = Date.now()
        selectedEntry = recording
      }
      view = 'recordings'
      connection?.send({ type: 'record-stop' })
    }
    markAll()
  }

  function clearRecorded(): void {
    reports.clear()
    longFrames.clear()
    if (recording !== undefined) reports.entries.push(recording)
    selectedEntry = recording
    reportDetails = undefined
    reportList.select(undefined)
    frameList.select(undefined)
    markAll()
  }

  function exportData(): { name: string; data: unknown } | undefined {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-')
    if (view === 'recordings') {
      const entry = selectedEntry
      if (entry === undefined || entry.reports.length === 0) return undefined
      return {
        name: `leakscope-${entry.origin === 'app' ? 'app-scope' : 'recording'}-${stamp}.json`,
        data: {
          format: 'leakscope-recording',
          title: entry.title,
          origin: entry.origin,
          startedAt: entry.startedAt,
          stoppedAt: entry.stoppedAt,
          reports: entry.reports.map(({ frameId, report }) => ({ frameId, ...report })),
        },
      }
    }
    if (view === 'frames') {
      if (longFrames.rows.length === 0) return undefined
      return {
        name: `leakscope-long-frames-${stamp}.json`,
        data: {
          format: 'leakscope-long-frames',
          url: topUrl,
          frames: longFrames.rows.map((row) => ({
            frameId: row.frameId,
            url: row.url,
            ...row.block,
          })),
        },
      }
    }
    const rows = live.rows()
    if (rows.length === 0) return undefined
    return {
      name: `leakscope-live-${stamp}.json`,
      data: {
        format: 'leakscope-live',
        url: topUrl,
        time: Date.now(),
        counts: live.counts(),
        items: rows.map((row) => ({
          frameId: row.frameId,
          id: row.id,
          kind: row.kind,
          name: row.name,
          state: row.state,
          detail: row.detail,
          createdAt: row.createdAt,
          creationStack: row.stack,
        })),
      },
    }
  }

  function exportCurrent(): void {
    const current = exportData()
    if (current === undefined) return
    const blob = new Blob([JSON.stringify(current.data, null, 2)], { type: 'application/json' })
    const url = URL.createObjectURL(blob)
    const link = el('a')
    link.href = url
    link.download = current.name
    link.hidden = true
    root.append(link)
    link.click()
    link.remove()
    globalThis.setTimeout(() => URL.revokeObjectURL(url), 60_000)
  }

  // ---- messages
  function onMessage(message: ToPanel): void {
    if (message === null || typeof message !== 'object') return
    switch (message.type) {
      case 'agent': {
        const frameId = num(message.frameId, -1)
        agents.set(frameId, {
          url: text(message.url, 4096),
          protocol: num(message.protocol, NaN),
          version: text(message.version, 50),
          compatible: message.compatible === true,
        })
        if (frameId === 0) topUrl = text(message.url, 4096)
        markAll()
        break
      }
      case 'batch': {
        const frameId = num(message.frameId, -1)
        const batch = message.batch
        if (batch === null || typeof batch !== 'object') return
        if (agents.get(frameId)?.compatible === false) return
        live.apply(frameId, batch)
        mark('live')
        const url = agents.get(frameId)?.url ?? ''
        if (longFrames.add(frameId, url, batch.longFrames)) mark('frames')
        if (Array.isArray(batch.reports) && batch.reports.length > 0) {
          const fallback =
            recording !== undefined &&
            recording.stopped &&
            recording.awaiting.size === 0 &&
            recording.reports.length === 0
              ? recording
              : undefined
          for (const report of batch.reports) {
            const entry = reports.add(frameId, report, fallback)
            if (entry !== undefined && entry === selectedEntry) reportDetails = undefined
            if (selectedEntry === undefined && entry !== undefined) selectedEntry = entry
          }
          mark('reports')
          mark('chrome')
        }
        break
      }
      case 'resolved-frames':
        open.locations?.receive(message.frames)
        break
      case 'navigated': {
        open.locations?.clear()
        live.reset()
        agents.clear()
        liveList.select(undefined)
        topUrl = text(message.url, 4096)
        if (recording !== undefined && recordState !== 'idle') {
          recording.note =
            'The page navigated during the recording: the scopes of the old page ended with it.'
          recording.stopped = true
          recording.stoppedAt ??= Date.now()
          recording.awaiting.clear()
          recording = undefined
          recordState = 'idle'
        }
        markAll()
        break
      }
      case 'recording': {
        if (message.state === 'started') {
          if (recording === undefined) {
            // A recording the panel did not start (it was open before a reconnect).
            recording = reports.startRecording()
            recordState = 'recording'
            selectedEntry ??= recording
          }
          reports.setScopes(recording, message.scopeIds)
        } else {
          const entry =
            recording ?? reports.entries.findLast((e) => e.origin === 'agent' && !e.stopped)
          if (entry !== undefined) {
            entry.stopped = true
            entry.confirmed = true
            entry.stoppedAt ??= Date.now()
            reports.setScopes(entry, message.scopeIds)
          }
          recording = undefined
          recordState = 'idle'
        }
        markAll()
        break
      }
      case 'error': {
        errorText = text(message.message, 500)
        if (recordState === 'stopping') recordState = 'idle'
        mark('chrome')
        break
      }
    }
  }

  const tick = globalThis.setInterval(() => {
    live.sample()
    mark('live')
  }, 1000)

  connection = host.connect({
    message: onMessage,
    status(next) {
      status = next === 'connected' ? 'connected' : 'disconnected'
      // A stop sent just before the connection dropped may never be confirmed: let the user
      // start again (the reports still arrive if the page closed its scopes).
      if (status === 'disconnected' && recordState === 'stopping') recordState = 'idle'
      mark('chrome')
    },
  })
  render()

  return () => {
    globalThis.clearInterval(tick)
    if (frame !== 0) globalThis.cancelAnimationFrame(frame)
    liveList.dispose()
    reportList.dispose()
    frameList.dispose()
    connection?.close()
    connection = undefined
    root.replaceChildren()
  }
}
