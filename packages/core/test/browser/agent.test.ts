// The injectable agent (dist/agent/leakscope-agent.iife.js) in a fresh realm (an iframe) whose
// page script was not written for it.
import { expect, test } from 'vitest'
import type { LeakReportData, LeakedTaskData } from 'leakscope'
import type { LeakscopeAgent } from '../../dist/agent/protocol.js'

const agentUrl = new URL('../../dist/agent/leakscope-agent.iife.js', import.meta.url)

const PAGE = `
function poll() {}
function onResize() {}
function start() {
  window.__interval = setInterval(poll, 1000)
  window.addEventListener('resize', onResize)
  new MutationObserver(function onMutation() {}).observe(document.body, { childList: true })
  clearTimeout(setTimeout(poll, 1000))
}
start()
//# sourceURL=page.js
`

function runScript(frame: HTMLIFrameElement, code: string): void {
  const doc = frame.contentDocument as Document
  const script = doc.createElement('script')
  script.textContent = code
  doc.head.append(script)
}

async function freshFrame(): Promise<HTMLIFrameElement> {
  const frame = document.createElement('iframe')
  document.body.append(frame)
  await new Promise((resolve) => setTimeout(resolve, 0))
  return frame
}

test('installs once per realm, tracks a page it was not written for, reports model data', async () => {
  const source = await (await fetch(agentUrl)).text()
  expect(source).not.toMatch(/^\s*import |import\.meta/m)
  const frame = await freshFrame()
  const win = frame.contentWindow as Window & { __LEAKSCOPE_AGENT__?: LeakscopeAgent }
  runScript(frame, source)
  const agent = win.__LEAKSCOPE_AGENT__ as LeakscopeAgent
  expect(agent).toBeDefined()
  expect(agent.protocol).toBe(1)
  expect(agent.modelVersion).toBe(1)
  expect(agent.version).toMatch(/^\d+\.\d+\.\d+/)
  // Idempotent: a second injection changes nothing.
  const patchedSetTimeout = win.setTimeout
  runScript(frame, source)
  expect(win.__LEAKSCOPE_AGENT__).toBe(agent)
  expect(win.setTimeout).toBe(patchedSetTimeout)
  // The main realm is untouched: every frame has its own agent.
  expect((globalThis as { __LEAKSCOPE_AGENT__?: unknown }).__LEAKSCOPE_AGENT__).toBeUndefined()

  const scope = agent.openScope()
  expect(agent.openScopes()).toEqual([scope])
  runScript(frame, PAGE)

  const live: LeakedTaskData[] = agent.live()
  expect(structuredClone(live)).toEqual(live)
  const summary = live.map((t) => [t.kind, t.name])
  expect(summary).toEqual([
    ['interval', 'poll'],
    ['listener', 'onResize'],
    ['observer', 'onMutation'],
  ])
  for (const task of live) {
    expect(task.creationStack?.[0]).toMatchObject({ url: 'page.js', functionName: 'start' })
  }

  const report: LeakReportData = await agent.closeScope(scope)
  expect(JSON.parse(JSON.stringify(report))).toEqual(report)
  expect(report.version).toBe(1)
  expect(report.tasks.map((t) => t.kind)).toEqual(['interval', 'listener', 'observer'])
  expect(report.workers).toEqual([])
  await expect(agent.closeScope(scope)).rejects.toThrow(/no open scope/)

  // cancel() through the protocol clears the interval for real.
  const interval = live.find((t) => t.kind === 'interval')
  expect(agent.cancel(interval?.id ?? -1)).toBe(true)
  expect(agent.live().map((t) => t.kind)).toEqual(['listener', 'observer'])
  frame.remove()
})

test('a clean page gives an empty report', async () => {
  const source = await (await fetch(agentUrl)).text()
  const frame = await freshFrame()
  runScript(frame, source)
  const agent = (frame.contentWindow as unknown as { __LEAKSCOPE_AGENT__: LeakscopeAgent })
    .__LEAKSCOPE_AGENT__
  const scope = agent.openScope({ kinds: ['listener', 'timeout'] })
  runScript(
    frame,
    `const f = () => {}; addEventListener('click', f); removeEventListener('click', f); clearTimeout(setTimeout(f, 100))`,
  )
  expect((await agent.closeScope(scope)).tasks).toEqual([])
  frame.remove()
})
