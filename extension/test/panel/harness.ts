// Test harness for the panel: the built panel page (extension/dist) and test pages served from
// 127.0.0.1, the panel opened in a normal tab with a test PanelHost, and a real leakscope agent in
// the app page whose `subscribe` batches are forwarded to the panel. The harness stands in for
// the extension's relay and service worker (tested by the extension's own specs): it answers
// record-start / record-stop / cancel by calling the agent in the app page, and resolve-frames
// with the locations as they are (no source maps).
import { createServer, type Server } from 'node:http'
import { readFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BrowserContext, Page } from '@playwright/test'
import { agentScriptPath } from 'leakscope/agent'
import type {} from 'leakscope/agent.iife.js'
import type { FromPanel, PanelHost, ToPanel } from '../../src/bridge.js'

const dist = fileURLToPath(new URL('../../dist/', import.meta.url))
/** The core's browser build, for a page that bundles leakscope itself (`/leakscope/browser/index.js`). */
const core = fileURLToPath(new URL('../../../packages/core/dist/', import.meta.url))

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
}

export interface Site {
  origin: string
  close(): Promise<void>
}

/**
 * Serves `pages` (path -> HTML), the built extension (`/panel/panel.html`, `/assets/...`) and the
 * core's build (`/leakscope/...`).
 */
export async function serve(pages: Record<string, string>): Promise<Site> {
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname
    const page = pages[path]
    if (page !== undefined) {
      response.writeHead(200, { 'content-type': TYPES['.html'], 'cache-control': 'no-store' })
      response.end(page)
      return
    }
    const [base, rest] = path.startsWith('/leakscope/')
      ? [core, path.slice('/leakscope/'.length)]
      : [dist, path]
    const file = normalize(join(base, rest))
    if (!file.startsWith(base)) {
      response.writeHead(403).end()
      return
    }
    readFile(file).then(
      (body) => {
        response.writeHead(200, {
          'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        })
        response.end(body)
      },
      () => response.writeHead(404).end(),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export interface OpenedResource {
  url: string
  line0: number
  column0: number
}

export interface PanelHarness {
  panel: Page
  app: Page
  /** Messages the panel sent through its host (but `resolve-frames`, answered as unmapped). */
  sent: FromPanel[]
  /** Delivers a message to the panel as its host would (in order with the forwarded batches). */
  deliver(message: ToPanel): Promise<void>
  /** Reports the host's connection status to the panel. */
  status(state: 'connected' | 'disconnected'): Promise<void>
  /** What the panel asked `host.openResource` to open. */
  opened(): Promise<OpenedResource[]>
  /** Waits until every message forwarded so far has reached the panel. */
  settle(): Promise<void>
  /** The app page's agent subscription (stops forwarding). */
  stop(): Promise<void>
}

/**
 * Opens the panel (test host, theme) and then the app page at `appUrl` with the agent injected
 * and subscribed. `appUrl` may be undefined to open the panel alone.
 */
export async function openPanel(
  context: BrowserContext,
  site: Site,
  appUrl: string | undefined,
  options: {
    theme?: 'light' | 'dark'
    interval?: number
    compatibleOverride?: number
    /** As the Firefox DevTools host says: links copy the location instead of opening it. */
    canOpenResource?: boolean
  } = {},
): Promise<PanelHarness> {
  // The panel gets a window of its own: headless Chromium may throttle animation frames in a tab
  // that is not in front to one per second, and both pages need theirs (the panel renders on
  // them; the page's long animation frames are reported on them).
  const browser = context.browser()
  if (browser === null) throw new Error('openPanel needs a non-persistent context')
  const panelContext = await browser.newContext()
  context.on('close', () => void panelContext.close().catch(() => undefined))
  const panel = await panelContext.newPage()
  const app = await context.newPage()
  const sent: FromPanel[] = []
  let chain: Promise<unknown> = Promise.resolve()
  let recordingScope: number | undefined

  const deliver = (message: ToPanel): Promise<void> => {
    const next = chain.then(() =>
      panel.evaluate((m) => globalThis.__panelTest?.handlers?.message(m), message),
    )
    chain = next.catch(() => undefined)
    return next.then(() => undefined)
  }

  await panel.exposeBinding('__panelSend', async (_source, message: FromPanel) => {
    if (message.type === 'resolve-frames') {
      // These pages have no source maps: every location is what it is.
      await deliver({ type: 'resolved-frames', frames: message.frames })
      return
    }
    sent.push(message)
    if (message.type === 'record-start') {
      recordingScope = await app.evaluate(() =>
        globalThis.__LEAKSCOPE_AGENT__!.openScope({ blocking: true }),
      )
      await deliver({ type: 'recording', state: 'started', scopeIds: { 0: recordingScope } })
    } else if (message.type === 'record-stop' && recordingScope !== undefined) {
      const id = recordingScope
      recordingScope = undefined
      // The report reaches the panel in a batch (`reports`, origin 'agent'), like in the extension.
      await app.evaluate(
        (scope) => globalThis.__LEAKSCOPE_AGENT__!.closeScope(scope).then(() => undefined),
        id,
      )
      await deliver({ type: 'recording', state: 'stopped', scopeIds: { 0: id } })
    } else if (message.type === 'cancel') {
      await app.evaluate(({ id, kind }) => globalThis.__LEAKSCOPE_AGENT__!.cancel(id, kind), {
        id: message.id,
        kind: message.kind,
      })
    }
  })
  await panel.addInitScript(
    ({ theme, canOpenResource }) => {
      const opened: { url: string; line0: number; column0: number }[] = []
      const state: PanelTestState = { opened }
      globalThis.__panelTest = state
      globalThis.__leakscopePanelHost = {
        tabId: 1,
        theme,
        ...(canOpenResource === undefined ? {} : { canOpenResource }),
        connect(handlers) {
          state.handlers = handlers
          queueMicrotask(() => handlers.status('connected'))
          return {
            send: (message) => void globalThis.__panelSend?.(message),
            close: () => {},
          }
        },
        openResource(url, line0, column0) {
          opened.push({ url, line0, column0 })
        },
      }
    },
    { theme: options.theme ?? 'light', canOpenResource: options.canOpenResource },
  )
  await panel.goto(`${site.origin}/panel/panel.html`)
  await panel.locator('.panel').waitFor()

  // Batches still in flight when a test ends find the panel closed: nothing to report then.
  await app.exposeBinding('__toPanel', (_source, message: ToPanel) =>
    deliver(message).catch(() => undefined),
  )
  await app.addInitScript({ path: agentScriptPath })
  await app.addInitScript(
    ({ interval, protocolOverride }) => {
      const agent = globalThis.__LEAKSCOPE_AGENT__
      const toPanel = globalThis.__toPanel
      if (agent === undefined || toPanel === undefined || window !== window.top) return
      void toPanel({
        type: 'agent',
        frameId: 0,
        url: location.href,
        protocol: protocolOverride ?? agent.protocol,
        version: agent.version,
        compatible: protocolOverride === undefined,
      })
      if (protocolOverride !== undefined) return
      globalThis.__stopForwarding = agent.subscribe(
        (batch) => void toPanel({ type: 'batch', frameId: 0, batch }),
        { interval },
      )
    },
    { interval: options.interval ?? 100, protocolOverride: options.compatibleOverride },
  )
  if (appUrl !== undefined) await app.goto(appUrl)

  return {
    panel,
    app,
    sent,
    deliver,
    status: (state) => panel.evaluate((s) => globalThis.__panelTest?.handlers?.status(s), state),
    opened: () => panel.evaluate(() => globalThis.__panelTest?.opened ?? []),
    settle: () => chain.then(() => undefined),
    stop: () => app.evaluate(() => globalThis.__stopForwarding?.()),
  }
}

interface PanelTestState {
  handlers?: {
    message(m: ToPanel): void
    status(s: 'connected' | 'disconnected'): void
  }
  opened: OpenedResource[]
}

declare global {
  var __panelTest: PanelTestState | undefined
  var __panelSend: ((message: FromPanel) => Promise<void>) | undefined
  var __toPanel: ((message: ToPanel) => Promise<void>) | undefined
  var __stopForwarding: (() => void) | undefined
  var __leakscopePanelHost: PanelHost | undefined
}

/** 1-based line of the first line of `html` containing `marker`, and the 1-based column of `token` on it. */
export function position(
  html: string,
  marker: string,
  token: string,
): { line: number; column: number } {
  const lines = html.split('\n')
  const index = lines.findIndex((line) => line.includes(marker))
  if (index === -1) throw new Error(`no ${marker}`)
  const column = (lines[index] as string).indexOf(token)
  if (column === -1) throw new Error(`no ${token} on the ${marker} line`)
  return { line: index + 1, column: column + 1 }
}
