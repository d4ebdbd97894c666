// Launches Debian's Chromium with the built, unpacked extension (extension/dist) in a fresh
// profile: `--disable-extensions-except` + `--load-extension` (Playwright adds
// `--disable-extensions`, so `--load-extension` alone does nothing).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  chromium,
  test as base,
  type BrowserContext,
  type Page,
  type Worker,
} from '@playwright/test'
import type { LeakedTaskData } from 'leakscope'
import type { FromPanel, ToPanel } from '../src/bridge.js'
import type {} from '../src/hosts/tab-host.js'

export const extensionPath = fileURLToPath(new URL('../dist', import.meta.url))
export const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export async function launch(extraArgs: string[] = []): Promise<{
  context: BrowserContext
  dispose(): Promise<void>
}> {
  const profile = mkdtempSync(join(tmpdir(), 'leakscope-ext-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: [
      `--disable-extensions-except=${extensionPath}`,
      `--load-extension=${extensionPath}`,
      ...extraArgs,
    ],
  })
  return {
    context,
    async dispose() {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    },
  }
}

export async function extensionWorker(context: BrowserContext): Promise<Worker> {
  return (
    context.serviceWorkers().find((w) => w.url().startsWith('chrome-extension://')) ??
    (await context.waitForEvent('serviceworker', {
      predicate: (w) => w.url().startsWith('chrome-extension://'),
    }))
  )
}

/** The panel page opened in a normal tab with the tab host, and what it received. */
export interface PanelTab {
  page: Page
  messages(): Promise<ToPanel[]>
  send(message: FromPanel): Promise<void>
  /** Waits for a message matching `predicate` (evaluated in Node on the received list). */
  waitFor<T extends ToPanel>(predicate: (m: ToPanel) => m is T, timeout?: number): Promise<T>
  waitFor(predicate: (m: ToPanel) => boolean, timeout?: number): Promise<ToPanel>
  /** Waits for a message matching `predicate` that came after the first matching `after`. */
  waitAfter<T extends ToPanel>(
    after: (m: ToPanel) => boolean,
    predicate: (m: ToPanel) => m is T,
    timeout?: number,
  ): Promise<T>
  /** Forgets what was received so far. */
  clear(): Promise<void>
}

export interface Fixtures {
  context: BrowserContext
  extensionId: string
  /** Opens `url` in a new tab and returns the page and its tab id. */
  openTab(url: string): Promise<{ page: Page; tabId: number }>
  openPanel(tabId: number): Promise<PanelTab>
}

async function tabIds(worker: Worker): Promise<number[]> {
  return worker.evaluate(async () =>
    (await chrome.tabs.query({})).map((tab) => tab.id ?? -1).filter((id) => id >= 0),
  )
}

export const test = base.extend<Fixtures>({
  // eslint-disable-next-line no-empty-pattern
  context: async ({}, use) => {
    const { context, dispose } = await launch()
    await use(context)
    await dispose()
  },
  extensionId: async ({ context }, use) => {
    const worker = await extensionWorker(context)
    await use(new URL(worker.url()).host)
  },
  openTab: async ({ context }, use) => {
    await use(async (url) => {
      // The new tab is the one id that was not there before.
      const worker = await extensionWorker(context)
      const before = new Set(await tabIds(worker))
      const page = await context.newPage()
      const tabId = (await tabIds(worker)).find((id) => !before.has(id))
      if (tabId === undefined) throw new Error('no new tab id')
      await page.goto(url)
      return { page, tabId }
    })
  },
  openPanel: async ({ context, extensionId }, use) => {
    await use(async (tabId) => {
      const page = await context.newPage()
      await page.goto(`chrome-extension://${extensionId}/panel/panel.html?tab=${tabId}`)
      return panelTab(page)
    })
  },
})

export function panelTab(page: Page): PanelTab {
  const messages = (): Promise<ToPanel[]> =>
    page.evaluate(() => structuredClone(globalThis.__leakscopeTabHost?.received ?? []))
  const waitFor = async (
    predicate: (m: ToPanel) => boolean,
    timeout = 10_000,
  ): Promise<ToPanel> => {
    const deadline = Date.now() + timeout
    for (;;) {
      const found = (await messages()).find(predicate)
      if (found !== undefined) return found
      if (Date.now() > deadline) {
        const got = (await messages()).map((m) => m.type).join(', ')
        throw new Error(`no matching panel message within ${timeout} ms (got: ${got})`)
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  const waitAfter = async (
    after: (m: ToPanel) => boolean,
    predicate: (m: ToPanel) => boolean,
    timeout = 10_000,
  ): Promise<ToPanel> => {
    const deadline = Date.now() + timeout
    for (;;) {
      const all = await messages()
      const start = all.findIndex(after)
      const found = start === -1 ? undefined : all.slice(start + 1).find(predicate)
      if (found !== undefined) return found
      if (Date.now() > deadline) throw new Error(`no matching panel message within ${timeout} ms`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  return {
    page,
    messages,
    waitFor: waitFor as PanelTab['waitFor'],
    waitAfter: waitAfter as PanelTab['waitAfter'],
    send: (message) =>
      page.evaluate((m) => {
        const connections = globalThis.__leakscopeTabHost?.connections ?? []
        connections.at(-1)?.send(m)
      }, message),
    clear: () =>
      page.evaluate(() => {
        globalThis.__leakscopeTabHost?.received.splice(0)
      }),
  }
}

/** The live view a panel builds from batches (ids are unique per kind only). */
export function liveItems(messages: ToPanel[], frameId = 0): Map<string, LeakedTaskData> {
  const live = new Map<string, LeakedTaskData>()
  for (const m of messages) {
    if (m.type !== 'batch' || m.frameId !== frameId) continue
    if (m.batch.seq === 1) live.clear()
    for (const item of m.batch.added) live.set(`${item.kind}:${item.id}`, item)
    for (const { kind, id } of m.batch.removed) live.delete(`${kind}:${id}`)
  }
  return live
}

export { expect } from '@playwright/test'
