// A leak scope opened inside a page by the injected agent (`globalThis.__LEAKSCOPE_AGENT__`).
import type { Page } from '@playwright/test'
import type { BrowserTaskKind, LeakReportData } from 'leakscope'
import type { AgentScopeOptions, LeakscopeAgent } from 'leakscope/agent'

/** Options of `leakscope.start(page, options)`. */
export interface LeakscopeStartOptions {
  /** Milliseconds the page gets to finish its own cleanup before the check (default 0). */
  grace?: number
  /** Only items whose name (callback name, label or kind) matches are reported. */
  nameFilter?: string | RegExp
  /** Task kinds to track (default: every kind the agent tracks by default). */
  kinds?: BrowserTaskKind[]
  /** Also track `Worker` and `SharedWorker` (default true). */
  workers?: boolean
  /** Capture creation stacks (default true). */
  creationStacks?: boolean
  /** Frames kept per creation stack. */
  stackFrames?: number
}

type AgentHost = { __LEAKSCOPE_AGENT__?: LeakscopeAgent }

function toAgentOptions(options: LeakscopeStartOptions): AgentScopeOptions {
  const result: AgentScopeOptions = { attribution: 'global' }
  if (options.grace !== undefined) result.grace = options.grace
  if (options.kinds !== undefined) result.kinds = options.kinds
  if (options.workers !== undefined) result.workers = options.workers
  if (options.creationStacks !== undefined) result.creationStacks = options.creationStacks
  if (options.stackFrames !== undefined) result.stackFrames = options.stackFrames
  if (options.nameFilter !== undefined) {
    result.nameFilter =
      typeof options.nameFilter === 'string'
        ? options.nameFilter
        : { source: options.nameFilter.source, flags: options.nameFilter.flags }
  }
  return result
}

/** A scope open in one page; `expect(scope).toHaveNoLeaks()` closes it. */
export class PageLeakScope {
  /** The page the scope lives in. */
  readonly page: Page
  /** The agent's scope id. */
  readonly id: number
  /** Where the page was when the scope opened. */
  readonly url: string
  #report: Promise<LeakReportData> | undefined

  constructor(page: Page, id: number, url: string) {
    this.page = page
    this.id = id
    this.url = url
  }

  /** Whether the scope was closed (checked) already. */
  get closed(): boolean {
    return this.#report !== undefined
  }

  /** Closes the scope in the page (once) and resolves with its report. */
  report(): Promise<LeakReportData> {
    this.#report ??= this.#close()
    return this.#report
  }

  async #close(): Promise<LeakReportData> {
    if (this.page.isClosed()) {
      throw new Error(`leakscope: the page of scope ${this.id} (${this.url}) was closed`)
    }
    try {
      return await this.page.evaluate(async (id) => {
        const agent = (globalThis as AgentHost).__LEAKSCOPE_AGENT__
        if (agent === undefined) throw new Error('no leakscope agent in this document')
        return agent.closeScope(id)
      }, this.id)
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error)
      throw new Error(
        `leakscope: could not close scope ${this.id} opened on ${this.url} (now ${this.page.url()}): ${reason}. ` +
          'A scope lives in one document: navigating or reloading the page ends it.',
        { cause: error },
      )
    }
  }
}

/** Opens a scope in `page`; the agent must already be in the page (it is after `page.goto`). */
export async function startScope(
  page: Page,
  options: LeakscopeStartOptions = {},
): Promise<PageLeakScope> {
  const agentOptions = toAgentOptions(options)
  const id = await page.evaluate((opts) => {
    const agent = (globalThis as AgentHost).__LEAKSCOPE_AGENT__
    return agent === undefined ? -1 : agent.openScope(opts)
  }, agentOptions)
  if (id === -1) {
    throw new Error(
      `leakscope: no agent in ${page.url()}. The leakscope fixture injects it into every document ` +
        'the context loads: navigate first (page.goto), and use the page of the test context.',
    )
  }
  return new PageLeakScope(page, id, page.url())
}
