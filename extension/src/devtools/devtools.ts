// The DevTools page: runs once per DevTools window and adds the "Leakscope" panel.
import { panelPagePath } from './panel-path.js'

chrome.devtools.panels.create('Leakscope', '', panelPagePath, () => {
  void chrome.runtime.lastError
})
