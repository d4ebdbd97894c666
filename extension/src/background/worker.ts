// The service worker pairs panels with the relays of their tab. It keeps no state that must
// outlive it: when Chrome stops it, every port closes, the panels reconnect (waking it), it
// tells their tabs' relays to attach again, and the relays start new subscriptions whose first
// batches carry the whole live state (the agent in the page is where the data lives).
import {
  type AgentBatch,
  type FrameLocation,
  PANEL_PORT,
  RELAY_PORT,
  SUPPORTED_AGENT_PROTOCOLS,
  type PanelReady,
  type RelayAttach,
  type RelayQueryAnswer,
  type ToPanel,
  type WorkerToRelay,
} from '../bridge.js'
import { fromPanel, pageMessage, relayResolved } from '../validate.js'
import { ext } from '../platform.js'

interface Frame {
  port: chrome.runtime.Port
  documentId: string | undefined
  /** The frame document's origin (its relay resolves source maps of that origin only). */
  origin: string | undefined
  recording: number | undefined
}

interface Tab {
  panels: Set<chrome.runtime.Port>
  frames: Map<number, Frame>
  /** The top document the panels last saw (a different one is a navigation). */
  topDocument: string | undefined
  recordingTimer: ReturnType<typeof setTimeout> | undefined
  /** Frames whose scopes just stopped (reported in one message). */
  stopped: Record<number, number>
}

const tabs = new Map<number, Tab>()
const panelUrl = ext.runtime.getURL('panel/panel.html')
/** Recording replies from every frame are gathered this long into one message. */
const RECORDING_DEBOUNCE_MS = 50

function tab(tabId: number): Tab {
  let state = tabs.get(tabId)
  if (state === undefined) {
    state = {
      panels: new Set(),
      frames: new Map(),
      topDocument: undefined,
      recordingTimer: undefined,
      stopped: {},
    }
    tabs.set(tabId, state)
  }
  return state
}

function forget(tabId: number): void {
  const state = tabs.get(tabId)
  if (state !== undefined && state.panels.size === 0 && state.frames.size === 0) {
    if (state.recordingTimer !== undefined) clearTimeout(state.recordingTimer)
    tabs.delete(tabId)
  }
}

function toPanels(state: Tab, message: ToPanel): void {
  for (const panel of state.panels) {
    try {
      panel.postMessage(message)
    } catch {
      state.panels.delete(panel)
    }
  }
}

function toFrame(frame: Frame, message: WorkerToRelay): void {
  try {
    frame.port.postMessage(message)
  } catch {
    // The frame is gone; its onDisconnect cleans up.
  }
}

function reportRecording(state: Tab): void {
  if (state.recordingTimer !== undefined) return
  state.recordingTimer = setTimeout(() => {
    state.recordingTimer = undefined
    const open: Record<number, number> = {}
    for (const [frameId, frame] of state.frames) {
      if (frame.recording !== undefined) open[frameId] = frame.recording
    }
    if (Object.keys(open).length > 0) {
      toPanels(state, { type: 'recording', state: 'started', scopeIds: open })
    } else {
      const stopped = state.stopped
      state.stopped = {}
      toPanels(state, { type: 'recording', state: 'stopped', scopeIds: stopped })
    }
  }, RECORDING_DEBOUNCE_MS)
}

function isExtensionPage(sender: chrome.runtime.MessageSender | undefined, page: string): boolean {
  return sender?.id === ext.runtime.id && (sender.url ?? '').split(/[?#]/)[0] === page
}

function onPanel(port: chrome.runtime.Port): void {
  // Only this extension's own panel page may attach to a tab.
  if (!isExtensionPage(port.sender, panelUrl)) {
    port.disconnect()
    return
  }
  let tabId: number | undefined
  port.onMessage.addListener((message: unknown) => {
    if (tabId === undefined) {
      const init = message as { type?: unknown; tabId?: unknown } | null
      if (init?.type !== 'panel-init' || !Number.isSafeInteger(init.tabId)) return
      tabId = init.tabId as number
      const state = tab(tabId)
      state.panels.add(port)
      const ready: PanelReady = { type: 'panel-ready' }
      port.postMessage(ready)
      const attach: RelayAttach = { type: 'relay-attach' }
      // Every frame's relay connects (or resubscribes): its hello and first batch follow.
      ext.tabs.sendMessage(tabId, attach).catch(() => {
        // No relay in the tab (a chrome:// page, or the extension has no access): say so.
        toPanels(state, {
          type: 'error',
          message: 'leakscope cannot reach this page (no access, or it has not loaded yet)',
        })
      })
      return
    }
    if ((message as { type?: unknown } | null)?.type === 'panel-ping') return
    const command = fromPanel(message)
    const state = tabs.get(tabId)
    if (command === undefined || state === undefined) return
    switch (command.type) {
      case 'record-start':
      case 'record-stop':
        for (const frame of state.frames.values()) toFrame(frame, { type: command.type })
        break
      case 'cancel': {
        const frame = state.frames.get(command.frameId)
        if (frame !== undefined) {
          const { id, kind } = command
          toFrame(frame, { type: 'cancel', id, ...(kind === undefined ? {} : { kind }) })
        }
        break
      }
      case 'resolve-frames':
        resolveFrames(state, port, command.frames)
        break
    }
  })
  port.onDisconnect.addListener(() => {
    void ext.runtime.lastError
    if (tabId === undefined) return
    const state = tabs.get(tabId)
    if (state === undefined) return
    state.panels.delete(port)
    if (state.panels.size === 0) {
      // Nobody watches this tab: let its relays go dormant (the shim stops batching).
      for (const frame of state.frames.values()) frame.port.disconnect()
      state.frames.clear()
      state.topDocument = undefined
      forget(tabId)
    }
  })
}

function originOf(url: string | undefined): string | undefined {
  try {
    return url === undefined ? undefined : new URL(url).origin
  } catch {
    return undefined
  }
}

/**
 * Sends each location to a relay of the tab whose document has the script's origin (the top
 * frame's first), where the fetch of the script and its map is same-origin. Locations no relay
 * can read (another origin's scripts) are answered at once, unresolved.
 */
function resolveFrames(state: Tab, panel: chrome.runtime.Port, frames: FrameLocation[]): void {
  const byFrame = new Map<Frame, FrameLocation[]>()
  const unresolved: FrameLocation[] = []
  const ordered = [...state.frames.entries()].sort(([a], [b]) => a - b).map(([, frame]) => frame)
  for (const location of frames) {
    const origin = originOf(location.url)
    const frame =
      origin === undefined || origin === 'null'
        ? undefined
        : ordered.find((candidate) => candidate.origin === origin)
    if (frame === undefined) unresolved.push(location)
    else byFrame.set(frame, [...(byFrame.get(frame) ?? []), location])
  }
  for (const [frame, locations] of byFrame) {
    toFrame(frame, { type: 'resolve-frames', frames: locations })
  }
  // With no relay connected yet (the worker just restarted), say nothing: the panel asks again.
  if (unresolved.length > 0 && state.frames.size > 0) {
    try {
      panel.postMessage({ type: 'resolved-frames', frames: unresolved } satisfies ToPanel)
    } catch {
      // The panel is gone.
    }
  }
}

function onRelay(port: chrome.runtime.Port): void {
  const sender = port.sender
  const tabId = sender?.tab?.id
  const frameId = sender?.frameId
  // Relays are this extension's content scripts, in a tab.
  if (sender?.id !== ext.runtime.id || tabId === undefined || frameId === undefined) {
    port.disconnect()
    return
  }
  const state = tabs.get(tabId)
  if (state === undefined || state.panels.size === 0) {
    port.disconnect()
    return
  }
  const documentId = sender.documentId
  const previous = state.frames.get(frameId)
  if (previous !== undefined && previous.port !== port) previous.port.disconnect()
  const frame: Frame = { port, documentId, origin: originOf(sender.url), recording: undefined }
  state.frames.set(frameId, frame)
  if (frameId === 0 && documentId !== state.topDocument) {
    if (state.topDocument !== undefined) {
      toPanels(state, { type: 'navigated', url: sender.url ?? '' })
    }
    state.topDocument = documentId
  }
  port.onMessage.addListener((raw: unknown) => {
    if ((raw as { type?: unknown } | null)?.type === 'resolved-frames') {
      // Worked out by the relay from the page's maps: checked like a page message.
      const resolved = relayResolved(raw)
      if (resolved !== undefined) {
        toPanels(state, { type: 'resolved-frames', frames: resolved.payload.frames })
      }
      return
    }
    // The relay validated it; a compromised renderer could skip the relay, so check again.
    const valid = pageMessage(raw)
    if (valid === undefined) return
    const message = valid.message
    switch (message.type) {
      case 'hello': {
        const { protocol, version, url, recording } = message.payload
        toPanels(state, {
          type: 'agent',
          frameId,
          url,
          protocol,
          version,
          compatible: SUPPORTED_AGENT_PROTOCOLS.includes(protocol),
        })
        if (recording !== undefined) {
          frame.recording = recording
          reportRecording(state)
        }
        break
      }
      case 'batch':
        toPanels(state, { type: 'batch', frameId, batch: message.payload })
        break
      case 'recording':
        if (message.payload.state === 'started') {
          frame.recording = message.payload.scopeId
        } else {
          frame.recording = undefined
          state.stopped[frameId] = message.payload.scopeId
        }
        reportRecording(state)
        break
      case 'error':
        toPanels(state, { type: 'error', message: message.payload.message })
        break
    }
  })
  port.onDisconnect.addListener(() => {
    void ext.runtime.lastError
    if (state.frames.get(frameId)?.port === port) {
      state.frames.delete(frameId)
      // The frame's document is gone (frame removed, navigated, or in the back/forward cache):
      // an empty first batch empties that frame's view until a new document says hello.
      toPanels(state, { type: 'batch', frameId, batch: emptyBatch() })
    }
    forget(tabId)
  })
}

function emptyBatch(): AgentBatch {
  return {
    seq: 1,
    time: Date.now(),
    counts: {},
    added: [],
    removed: [],
    truncated: 0,
    longFrames: [],
    reports: [],
  }
}

ext.runtime.onConnect.addListener((port) => {
  if (port.name === PANEL_PORT) onPanel(port)
  else if (port.name === RELAY_PORT) onRelay(port)
  else port.disconnect()
})

ext.runtime.onMessage.addListener((message: unknown, sender, sendResponse) => {
  if (sender.id !== ext.runtime.id) return
  if ((message as { type?: unknown } | null)?.type !== 'relay-query') return
  const tabId = sender.tab?.id
  const answer: RelayQueryAnswer = {
    attached: tabId !== undefined && (tabs.get(tabId)?.panels.size ?? 0) > 0,
  }
  sendResponse(answer)
})
