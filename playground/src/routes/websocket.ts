// A chat box talking to the dev server's WebSocket echo (same host, see server.js). The leaky one
// never closes its socket: the connection stays open after unmount.
import { element } from '../widget.ts'
import type { Widget } from '../widget.ts'

export const leaks = 'Opens a WebSocket to the local echo server on mount and never closes it.'
export const fix = 'Closes the socket on unmount.'

/** The dev server's echo endpoint (server.js `ECHO_PATH`). */
const echoUrl = (): string => `ws://${location.host}/__playground/echo`

export function leaky(host: HTMLElement): Widget {
  const log = element('output', 'connecting', { 'data-testid': 'echo-leaky' })
  return {
    mount() {
      host.append(log)
      const socket = new WebSocket(echoUrl()) // LEAK
      socket.onopen = () => socket.send('hello from the leaky widget')
      socket.onmessage = (event: MessageEvent<string>) => {
        log.textContent = `echo: ${event.data}`
      }
    },
    unmount() {
      log.remove()
    },
  }
}

export function fixed(host: HTMLElement): Widget {
  const log = element('output', 'connecting', { 'data-testid': 'echo-fixed' })
  let socket: WebSocket | undefined
  return {
    mount() {
      host.append(log)
      const open = new WebSocket(echoUrl())
      open.onopen = () => open.send('hello from the fixed widget')
      open.onmessage = (event: MessageEvent<string>) => {
        log.textContent = `echo: ${event.data}`
      }
      socket = open
    },
    unmount() {
      socket?.close()
      log.remove()
    },
  }
}
