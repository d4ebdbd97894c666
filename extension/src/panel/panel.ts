// Placeholder panel (the panel branch replaces it): shows the connection status and a log of
// bridge messages, as text only.
import { createPanelHost } from '../host.js'

const host = createPanelHost()
const status = globalThis.document.getElementById('status')
const log = globalThis.document.getElementById('log')

host.connect({
  message(message) {
    const item = globalThis.document.createElement('li')
    item.textContent = JSON.stringify(message).slice(0, 500)
    log?.append(item)
    while (log !== null && log.childElementCount > 200) log.firstElementChild?.remove()
  },
  status(state) {
    if (status !== null) status.textContent = state
  },
})
