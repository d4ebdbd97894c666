// The PanelHost inside DevTools: the inspected tab, DevTools' theme and its Sources panel.
// Firefox's `devtools.panels` has no `openResource` (nothing opens its Debugger at a line): there
// the host says so (`canOpenResource: false`) and a click copies `url:line:column` instead.
import type { PanelHost } from '../bridge.js'
import { connectPanelPort, isOpenableUrl, validPosition } from './port-connection.js'

export function createDevtoolsHost(): PanelHost {
  const devtools = chrome.devtools
  const panels = devtools.panels as Partial<typeof devtools.panels>
  const canOpenResource = typeof panels.openResource === 'function'
  return {
    tabId: devtools.inspectedWindow.tabId,
    theme: devtools.panels.themeName === 'dark' ? 'dark' : 'light',
    canOpenResource,
    connect: (handlers) => connectPanelPort(devtools.inspectedWindow.tabId, handlers),
    openResource(url, line0, column0): void {
      if (!isOpenableUrl(url) || !validPosition(line0, column0)) return
      if (!canOpenResource) {
        copyLocation(`${url}:${line0 + 1}:${column0 + 1}`)
        return
      }
      // 0-based line and column, as the panel passes them.
      devtools.panels.openResource(url, line0, column0, () => {
        void chrome.runtime.lastError
      })
    },
  }
}

/** Puts the 1-based location on the clipboard (the click is the user gesture it needs). */
export function copyLocation(location: string, doc: Document = globalThis.document): void {
  const fallback = (): void => {
    const area = doc.createElement('textarea')
    area.value = location
    area.style.position = 'fixed'
    area.style.opacity = '0'
    doc.body.append(area)
    area.select()
    try {
      doc.execCommand('copy')
    } finally {
      area.remove()
    }
  }
  const clipboard = globalThis.navigator?.clipboard
  if (clipboard === undefined) return fallback()
  clipboard.writeText(location).catch(fallback)
}
