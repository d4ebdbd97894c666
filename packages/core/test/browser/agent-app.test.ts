// A page that bundles leakscope itself, with the agent injected too (the DevTools extension on
// an app that opens its own scopes): the app's scope reports reach the agent as 'app' reports.
// This file's realm is the page: the agent is injected into it.
import { expect, test } from 'vitest'
import { noTaskLeaks } from 'leakscope'
import type { LeakscopeAgent } from '../../dist/agent/protocol.js'
import { quiet } from './helpers.js'

const agentUrl = new URL('../../dist/agent/leakscope-agent.iife.js', import.meta.url)

test("the page's own scopes reach the agent, clean and leaking, as 'app' reports", async () => {
  const script = document.createElement('script')
  script.textContent = await (await fetch(agentUrl)).text()
  document.head.append(script)
  const agent = (globalThis as { __LEAKSCOPE_AGENT__?: LeakscopeAgent }).__LEAKSCOPE_AGENT__
  expect(agent?.protocol).toBe(2)
  if (agent === undefined) return

  await noTaskLeaks({ action: 'throw' }).run(() => {})
  const scope = noTaskLeaks(quiet)
  const handle = setInterval(function appPoll() {}, 1000)
  await scope.check()
  clearInterval(handle)

  const reports = agent.reports()
  expect(reports.map((r) => [r.origin, r.scopeId, r.label])).toEqual([
    ['app', 1, 'noTaskLeaks'],
    ['app', 2, 'noTaskLeaks'],
  ])
  expect(reports[0]?.report).toMatchObject({
    detector: 'tasks',
    tasks: [],
    workers: [],
    blocks: [],
  })
  expect(reports[1]?.report.tasks.map((t) => [t.kind, t.name])).toEqual([['interval', 'appPoll']])
  expect(reports[1]?.url).toBe(location.href)

  // Malformed input from the page is ignored, not stored.
  agent.publish({ version: 9 } as never)
  agent.publish(null as never)
  expect(agent.reports()).toHaveLength(2)
})
