// The PanelHost for `panel.html?tab=ID` opened in a normal tab (tests, or a detached view): the
// same runtime ports as inside DevTools, no chrome.devtools. openResource cannot open Sources
// from here; it records the request (`globalThis.__leakscopeOpenedResources`) and dispatches a
// `leakscope-open-resource` event, which is what the tests assert on.
import type { PanelHost } from '../bridge.js'
import { connectPanelPort, isOpenableUrl, validPosition } from './port-connection.js'

export interface OpenedResource {
  url: string
  line0: number
  column0: number
}

declare global {
  var __leakscopeOpenedResources: OpenedResource[] | undefined
}

export function createTabHost(tabId: number, theme: 'light' | 'dark'): PanelHost {
  return {
    tabId,
    theme,
    connect: (handlers) => connectPanelPort(tabId, handlers),
    openResource(url, line0, column0): void {
      if (!isOpenableUrl(url) || !validPosition(line0, column0)) return
      const opened = { url, line0, column0 }
      ;(globalThis.__leakscopeOpenedResources ??= []).push(opened)
      globalThis.dispatchEvent(new CustomEvent('leakscope-open-resource', { detail: opened }))
    },
  }
}
