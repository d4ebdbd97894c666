// The injectable agent (dist/agent/leakscope-agent.iife.js) in a fresh realm (an iframe) whose
// page script was not written for it.
import { expect, test } from 'vitest'
import type { EventLoopBlockData, LeakReportData, LeakedTaskData } from 'leakscope'
import type { AgentBatch, LeakscopeAgent } from '../../dist/agent/protocol.js'
import { wait } from './helpers.js'

const agentUrl = new URL('../../dist/agent/leakscope-agent.iife.js', import.meta.url)

const PAGE = `
function poll() {}
function onResize() {}
function start() {
  window.__interval = setInterval(poll, 1000)
  window.addEventListener('resize', onResize)
  new MutationObserver(function onMutation() {}).observe(document.body, { childList: true })
  document.onkeydown = function onKey(event) { event.preventDefault() }
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
  expect(agent.protocol).toBe(2)
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
    ['listener', 'onKey'],
  ])
  for (const task of live) {
    expect(task.creationStack?.[0]).toMatchObject({ url: 'page.js', functionName: 'start' })
  }

  const report: LeakReportData = await agent.closeScope(scope)
  expect(JSON.parse(JSON.stringify(report))).toEqual(report)
  expect(report.version).toBe(1)
  expect(report.tasks.map((t) => t.kind)).toEqual(['interval', 'listener', 'observer', 'listener'])
  expect(report.workers).toEqual([])
  await expect(agent.closeScope(scope)).rejects.toThrow(/no open scope/)

  // cancel() through the protocol clears the interval for real.
  const interval = live.find((t) => t.kind === 'interval')
  expect(agent.cancel(interval?.id ?? -1, 'listener')).toBe(false)
  expect(agent.cancel(interval?.id ?? -1, 'interval')).toBe(true)
  expect(agent.live().map((t) => t.kind)).toEqual(['listener', 'observer', 'listener'])
  // So does cancelling a handler property: the page's document has none any more.
  const handler = live.find((t) => t.name === 'onKey')
  expect(handler?.detail).toBe("'keydown' on document (onkeydown)")
  expect(agent.cancel(handler?.id ?? -1, 'listener')).toBe(true)
  expect((frame.contentDocument as Document).onkeydown).toBeNull()
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
    `const f = () => {}; addEventListener('click', f); removeEventListener('click', f); clearTimeout(setTimeout(f, 100)); onresize = (e) => e.preventDefault(); onresize = null`,
  )
  expect((await agent.closeScope(scope)).tasks).toEqual([])
  frame.remove()
})

async function agentIn(frame: HTMLIFrameElement): Promise<LeakscopeAgent> {
  runScript(frame, await (await fetch(agentUrl)).text())
  return (frame.contentWindow as unknown as { __LEAKSCOPE_AGENT__: LeakscopeAgent })
    .__LEAKSCOPE_AGENT__
}

/** spin's block: by its LoAF attribution, or by leakscope's own timing of the callback. */
function bySpin(block: EventLoopBlockData): boolean {
  return (
    block.source?.functionName === 'spin' ||
    block.note?.includes('spin callback') === true ||
    block.attribution?.some((script) => script.sourceFunctionName === 'spin') === true
  )
}

async function until<T>(read: () => T | undefined, what: string): Promise<T> {
  for (let waited = 0; waited < 5000; waited += 20) {
    const value = read()
    if (value !== undefined) return value
    await wait(20)
  }
  throw new Error(`timed out waiting for ${what}`)
}

test('subscribe: the first batch has every live item, later ones what changed, the disposer stops it', async () => {
  const frame = await freshFrame()
  const agent = await agentIn(frame)
  runScript(
    frame,
    `function early() {}\nwindow.__early = setInterval(early, 1000)\n//# sourceURL=early.js`,
  )
  const batches: AgentBatch[] = []
  const stop = agent.subscribe((batch) => batches.push(structuredClone(batch)), { interval: 20 })
  expect(batches).toHaveLength(1)
  expect(batches[0]).toMatchObject({ seq: 1, counts: { interval: 1 }, removed: [], truncated: 0 })
  expect(batches[0]?.added.map((t) => [t.kind, t.name])).toEqual([['interval', 'early']])

  runScript(
    frame,
    `function onKey() {}\nfunction later() { window.addEventListener('keydown', onKey) }\nlater()\n//# sourceURL=later.js`,
  )
  const withListener = await until(
    () => batches.find((b) => b.added.some((t) => t.name === 'onKey')),
    'the listener batch',
  )
  const listener = withListener.added.find((t) => t.name === 'onKey')
  expect(listener?.creationStack?.[0]).toMatchObject({
    url: 'later.js',
    line: 2,
    functionName: 'later',
  })
  expect(withListener.counts).toEqual({ interval: 1, listener: 1 })

  const early = batches[0]?.added[0]
  runScript(frame, 'clearInterval(window.__early)')
  const afterClear = await until(
    () => batches.find((b) => b.removed.length > 0),
    'the removal batch',
  )
  expect(afterClear.removed).toEqual([{ kind: 'interval', id: early?.id }])
  expect(afterClear.counts).toEqual({ listener: 1 })

  // Quiet page: no batch without a change. (Long frames of other test files share this page's
  // main thread and are changes too: not counted.)
  const itemBatches = (): number => batches.filter((b) => b.longFrames.length === 0).length
  const quietCount = itemBatches()
  await wait(100)
  expect(itemBatches()).toBe(quietCount)

  stop()
  const stoppedAt = batches.length
  runScript(frame, `setInterval(function afterStop() {}, 1000)`)
  await wait(100)
  expect(batches).toHaveLength(stoppedAt)
  expect(batches.map((b) => b.seq)).toEqual(batches.map((_, i) => i + 1))
  frame.remove()
})

test('subscribe: maxItems splits a large backlog over batches, counts stay whole', async () => {
  const frame = await freshFrame()
  const agent = await agentIn(frame)
  runScript(
    frame,
    `for (let i = 0; i < 30; i++) document.body.addEventListener('click' + i, function many() {})`,
  )
  const batches: AgentBatch[] = []
  const stop = agent.subscribe((batch) => batches.push(batch), { interval: 20, maxItems: 12 })
  expect(batches[0]).toMatchObject({ counts: { listener: 30 }, truncated: 18 })
  expect(batches[0]?.added).toHaveLength(12)
  await until(() => (batches.length >= 3 ? true : undefined), 'three batches')
  stop()
  const ids = new Set(batches.flatMap((b) => b.added.map((t) => t.id)))
  expect(ids.size).toBe(30)
  expect(batches[2]?.truncated).toBe(0)
  frame.remove()
})

test('bad subscribe and scope options name themselves', async () => {
  const frame = await freshFrame()
  const agent = await agentIn(frame)
  expect(() => agent.subscribe(() => {}, { interval: 0 })).toThrow(/"interval"/)
  expect(() => agent.subscribe(() => {}, { maxItems: 0.5 })).toThrow(/"maxItems"/)
  expect(() => agent.subscribe('x' as never)).toThrow(/needs a function/)
  expect(() => agent.openScope({ blocking: 'yes' as never })).toThrow(/"blocking"/)
  expect(() => agent.openScope({ blocking: { threshold: -1 } })).toThrow(/threshold/)
  expect(() => agent.openScope({ label: 3 as never })).toThrow(/"label"/)
  expect(agent.openScopes()).toEqual([])
  frame.remove()
})

test('a scope with blocking reports the block; long frames and reports are kept and streamed', async () => {
  const frame = await freshFrame()
  const agent = await agentIn(frame)
  const batches: AgentBatch[] = []
  const stop = agent.subscribe((batch) => batches.push(batch), { interval: 20 })
  const scope = agent.openScope({
    blocking: { threshold: 100 },
    label: 'record',
    kinds: ['timeout'],
  })
  const quiet = agent.openScope({ blocking: true, workers: false })
  await expect(agent.closeScope(quiet)).resolves.toMatchObject({ tasks: [], blocks: [] })
  runScript(
    frame,
    `function spin() { const end = performance.now() + 250; while (performance.now() < end) {} }\nsetTimeout(spin, 0)\n//# sourceURL=spin.js`,
  )
  await wait(400)
  const report = await agent.closeScope(scope)
  // Other test files' long frames share this page's main thread (and a busy machine makes more
  // of them): spin's block is found by its function, not by its place.
  const spun = report.blocks.filter(bySpin)
  expect(spun).toHaveLength(1)
  expect(spun[0]?.duration).toBeGreaterThanOrEqual(200)
  expect(spun[0]?.threshold).toBe(100)
  expect(report.tasks).toEqual([])

  const spinFrame = await until(() => agent.longFrames().find(bySpin), "spin's long frame")
  expect(spinFrame.duration).toBeGreaterThanOrEqual(200)
  expect(agent.longFrames(Date.now() + 1000)).toEqual([])
  expect(agent.reports().map((r) => [r.origin, r.scopeId, r.label])).toEqual([
    ['agent', quiet, undefined],
    ['agent', scope, 'record'],
  ])
  await until(() => batches.find((b) => b.longFrames.length > 0), 'a streamed long frame')
  const streamed = await until(() => {
    const all = batches.flatMap((b) => b.reports)
    return all.length === 2 ? all : undefined
  }, 'two streamed reports')
  expect(streamed.map((r) => r.scopeId)).toEqual([quiet, scope])
  expect(streamed[1]?.report).toEqual(report)
  stop()
  frame.remove()
})
