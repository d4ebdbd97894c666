// Types for `leakscope/agent.iife.js`: importing the script (an extension bundling it as a side
// effect) declares the global it defines.
import type { LeakscopeAgent } from './protocol.js'

declare global {
  /** Defined by the leakscope agent script, once per realm. */
  var __LEAKSCOPE_AGENT__: LeakscopeAgent | undefined
}

export type { LeakscopeAgent }
