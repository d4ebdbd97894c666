// The PanelHost inside DevTools: the inspected tab, DevTools' theme and its Sources panel.
import type { PanelHost } from '../bridge.js'
import { connectPanelPort, isOpenableUrl, validPosition } from './port-connection.js'

export function createDevtoolsHost(): PanelHost {
  const devtools = chrome.devtools
  return {
    tabId: devtools.inspectedWindow.tabId,
    theme: devtools.panels.themeName === 'dark' ? 'dark' : 'light',
    connect: (handlers) => connectPanelPort(devtools.inspectedWindow.tabId, handlers),
    openResource(url, line0, column0): void {
      if (!isOpenableUrl(url) || !validPosition(line0, column0)) return
      // 0-based line and column, as the panel passes them.
      devtools.panels.openResource(url, line0, column0, () => {
        void chrome.runtime.lastError
      })
    },
  }
}
