// Placeholder panel (the panel branch replaces it): logs every bridge message as text, which the
// extension's tests read until the real UI exists.
import type { ToPanel } from '../bridge.js'
import { createPanelHost } from '../host.js'

const host = createPanelHost()
const status = globalThis.document.getElementById('status')
const log = globalThis.document.getElementById('log')
const received: ToPanel[] = []
;(globalThis as { __leakscopePanelMessages?: ToPanel[] }).__leakscopePanelMessages = received

const connection = host.connect({
  message(message) {
    received.push(message)
    const item = globalThis.document.createElement('li')
    item.textContent = JSON.stringify(message).slice(0, 500)
    log?.append(item)
  },
  status(state) {
    if (status !== null) status.textContent = state
  },
})
;(globalThis as { __leakscopePanel?: unknown }).__leakscopePanel = { host, connection }
