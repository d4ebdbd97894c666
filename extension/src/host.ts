// Chooses the panel's host: inside DevTools (chrome.devtools exists) or in a normal tab
// (`panel.html?tab=ID[&theme=dark]`).
import type { PanelHost } from './bridge.js'
import { createDevtoolsHost } from './hosts/devtools-host.js'
import { createTabHost } from './hosts/tab-host.js'

/** The host for this panel page; throws when neither DevTools nor a `?tab=` id is available. */
export function createPanelHost(): PanelHost {
  if (typeof chrome !== 'undefined' && chrome.devtools?.inspectedWindow !== undefined) {
    return createDevtoolsHost()
  }
  const params = new URLSearchParams(globalThis.location.search)
  const tabId = Number(params.get('tab'))
  if (!Number.isInteger(tabId) || tabId < 0) {
    throw new Error('leakscope panel: open it from DevTools, or as panel.html?tab=<tab id>')
  }
  const theme =
    params.get('theme') === 'dark' ||
    (params.get('theme') === null &&
      globalThis.matchMedia?.('(prefers-color-scheme: dark)').matches)
      ? 'dark'
      : 'light'
  return createTabHost(tabId, theme)
}
