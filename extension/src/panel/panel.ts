// The panel page's entry: picks the host (DevTools, or `panel.html?tab=ID` in a normal tab) and
// mounts the UI. A host defined on `globalThis.__leakscopePanelHost` before this module runs wins:
// that is how the tests feed the page from a real agent without the extension's ports. Only code
// running in this extension page can define it; web pages cannot reach this realm.
import type { PanelHost } from '../bridge.js'
import { createPanelHost } from '../host.js'
import { mountPanel } from './app.js'
import { el } from './dom.js'

declare global {
  var __leakscopePanelHost: PanelHost | undefined
}

const root = globalThis.document.getElementById('root') ?? globalThis.document.body
try {
  const host = globalThis.__leakscopePanelHost ?? createPanelHost()
  mountPanel(root, host)
} catch (error) {
  root.replaceChildren(
    el('div', 'banner banner-error', error instanceof Error ? error.message : String(error)),
  )
}
