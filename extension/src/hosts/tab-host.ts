// The PanelHost for `panel.html?tab=ID` opened in a normal tab (tests, or a detached view): the
// same runtime ports as inside DevTools, no chrome.devtools. Sources cannot be opened from here:
// openResource records the request and dispatches a `leakscope-open-resource` event. What the
// tab host saw is kept on `globalThis.__leakscopeTabHost` (bounded), which is how the tests
// observe the bridge whatever the panel UI does with it.
import type { PanelConnection, PanelHost, ToPanel } from '../bridge.js'
import { connectPanelPort, isOpenableUrl, validPosition } from './port-connection.js'

export interface OpenedResource {
  url: string
  line0: number
  column0: number
}

export interface TabHostRecord {
  /** The last messages delivered to the panel (at most 20,000). */
  received: ToPanel[]
  statuses: ('connected' | 'disconnected')[]
  opened: OpenedResource[]
  connections: PanelConnection[]
}

declare global {
  var __leakscopeTabHost: TabHostRecord | undefined
}

const MAX_RECORDED = 20_000

export function createTabHost(tabId: number, theme: 'light' | 'dark'): PanelHost {
  const record: TabHostRecord = { received: [], statuses: [], opened: [], connections: [] }
  globalThis.__leakscopeTabHost = record
  return {
    tabId,
    theme,
    connect(handlers) {
      const connection = connectPanelPort(tabId, {
        message(message) {
          if (record.received.length >= MAX_RECORDED) record.received.shift()
          record.received.push(message)
          handlers.message(message)
        },
        status(status) {
          record.statuses.push(status)
          handlers.status(status)
        },
      })
      record.connections.push(connection)
      return connection
    },
    openResource(url, line0, column0): void {
      if (!isOpenableUrl(url) || !validPosition(line0, column0)) return
      const opened = { url, line0, column0 }
      record.opened.push(opened)
      globalThis.dispatchEvent(new CustomEvent('leakscope-open-resource', { detail: opened }))
    },
  }
}
