// `leakscope/agent` for Node.js: where the agent script is, and its source, for Playwright's
// `page.addInitScript({ path: agentScriptPath })` / `({ content: agentSource() })` or for copying
// into an extension. The protocol types describe `globalThis.__LEAKSCOPE_AGENT__`.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export { AGENT_GLOBAL, AGENT_LONG_FRAME_THRESHOLD, AGENT_PROTOCOL_VERSION } from './protocol.js'
export type {
  AgentBatch,
  AgentScopeOptions,
  AgentScopeReport,
  AgentSubscribeOptions,
  LeakscopeAgent,
} from './protocol.js'

/** Absolute path of the self-contained agent script (an IIFE, no imports). */
export const agentScriptPath: string = fileURLToPath(
  new URL('./leakscope-agent.iife.js', import.meta.url),
)

let cached: string | undefined

/** The agent script's source text (read once). */
export function agentSource(): string {
  cached ??= readFileSync(agentScriptPath, 'utf8')
  return cached
}
