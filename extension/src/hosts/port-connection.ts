// The panel's connection to the service worker, shared by both hosts. The worker may stop at any
// time (MV3), which disconnects the port: reconnect with a short backoff, and report the status
// so the panel can show it. Commands sent while disconnected wait (a few) for the next port.
import {
  PANEL_PORT,
  type FromPanel,
  type PanelConnection,
  type PanelInit,
  type PanelPing,
  type ToPanel,
  type WorkerToPanel,
} from '../bridge.js'
import { ext } from '../platform.js'

const MAX_QUEUED = 20
const BACKOFF_MS = [0, 100, 250, 500, 1000]
const PING_MS = 20_000

export function connectPanelPort(
  tabId: number,
  handlers: { message(m: ToPanel): void; status(s: 'connected' | 'disconnected'): void },
): PanelConnection {
  let port: chrome.runtime.Port | undefined
  let ready = false
  let closed = false
  let attempt = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  const queue: FromPanel[] = []
  const ping: PanelPing = { type: 'panel-ping' }
  const pinger = setInterval(() => {
    if (ready) port?.postMessage(ping)
  }, PING_MS)

  const open = (): void => {
    timer = undefined
    if (closed) return
    let next: chrome.runtime.Port
    try {
      next = ext.runtime.connect({ name: PANEL_PORT })
    } catch {
      // The extension was reloaded or removed: this page is an orphan and cannot recover.
      handlers.status('disconnected')
      return
    }
    port = next
    next.onMessage.addListener((message: WorkerToPanel) => {
      if (message.type === 'panel-ready') {
        ready = true
        attempt = 0
        handlers.status('connected')
        for (const queued of queue.splice(0)) next.postMessage(queued)
        return
      }
      handlers.message(message)
    })
    next.onDisconnect.addListener(() => {
      // Reading lastError marks it handled (a stopped worker is the normal case here).
      void ext.runtime.lastError
      port = undefined
      if (ready) handlers.status('disconnected')
      ready = false
      if (closed) return
      const delay = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)] ?? 1000
      attempt++
      timer = setTimeout(open, delay)
    })
    const init: PanelInit = { type: 'panel-init', tabId }
    next.postMessage(init)
  }
  open()

  return {
    send(message: FromPanel): void {
      if (closed) return
      if (port !== undefined && ready) port.postMessage(message)
      else if (queue.length < MAX_QUEUED) queue.push(message)
    },
    close(): void {
      closed = true
      clearInterval(pinger)
      if (timer !== undefined) clearTimeout(timer)
      port?.disconnect()
      port = undefined
    },
  }
}

/** Only these URLs go to DevTools' Sources panel (no javascript:, data:, chrome: ...). */
export function isOpenableUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url)
    return protocol === 'http:' || protocol === 'https:' || protocol === 'file:'
  } catch {
    return false
  }
}

export function validPosition(line0: number, column0: number): boolean {
  return Number.isInteger(line0) && line0 >= 0 && Number.isInteger(column0) && column0 >= 0
}
