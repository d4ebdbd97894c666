// A hostile page: thousands of malformed, oversized, flooding and script-laden messages posted
// with the bridge's tag (and without). The relay, the worker and the panel must stay healthy,
// forward only what validates and fits the limits, and nothing from the page may run.
import type { ToPanel } from '../src/bridge.js'
import { LIMITS, pageMessage } from '../src/validate.js'
import { expect, test } from './fixtures.js'
import { pages } from './pages.js'
import { serve, type Site } from './server.js'

let site: Site
test.beforeAll(async () => {
  site = await serve(pages)
})
test.afterAll(async () => {
  await site.close()
})

/** Runs in the page: posts `count` hostile messages (seeded, so a failure can be replayed). */
function attack({ count, seed }: { count: number; seed: number }): number {
  let state = seed
  const random = (): number => {
    state = (state * 1103515245 + 12345) % 2 ** 31
    return state / 2 ** 31
  }
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)] as T
  const xss = [
    '<img src=x onerror="window.__pwned=1">',
    '<script>window.__pwned=1</script>',
    '"><svg onload="window.__pwned=1">',
    'javascript:window.__pwned=1',
  ]
  const frame = (): unknown => ({
    functionName: pick(xss),
    url: pick(['javascript:window.__pwned=1', 'data:text/html,<script>1</script>', location.href]),
    line: pick([1, -1, 1.5, Number.NaN, 2 ** 60, '3']),
    column: pick([1, 0, null]),
  })
  const longStack = Array.from({ length: 200 }, frame)
  const task = (): unknown => ({
    id: pick([1, -5, 'x', 2 ** 53 + 2]),
    kind: pick(['interval', '<b>x</b>', 'x'.repeat(100), '__proto__']),
    name: pick(xss),
    state: pick(['open', 'pwned']),
    createdAt: pick([Date.now(), Infinity]),
    creationStack: pick([[frame()], [frame(), frame()], longStack, 'not a stack']),
  })
  // The oversized parts are built once and posted now and then (each post clones them).
  const big = 'x'.repeat(3_000_000)
  const manyTasks = Array.from({ length: 5000 }, () => ({
    id: 1,
    kind: 'timeout',
    name: 'n',
    state: 'scheduled',
    createdAt: 0,
  }))
  const manyRemoved = Array.from({ length: 30_000 }, (_, id) => ({ kind: 'timeout', id }))
  const heavy = (): boolean => random() < 0.03
  const batch = (): unknown => ({
    seq: pick([1, 0, 2, -1]),
    time: Date.now(),
    counts: pick([{ interval: 1 }, { __proto__: 1 }, JSON.parse('{"__proto__": {"polluted": 1}}')]),
    added: heavy() ? pick([manyTasks, [{ ...(task() as object), name: big }]]) : [task(), task()],
    removed: heavy() ? manyRemoved : pick([[], [{ kind: 'interval', id: 1 }], [7]]),
    truncated: pick([0, -1]),
    longFrames: pick([[], [{ id: 1, duration: 60, threshold: 50, startTime: 0, note: xss[0] }]]),
    reports: [],
  })
  const messages: (() => unknown)[] = [
    () => pick([null, 1, 'leakscope-bridge', [], true]),
    () => ({ tag: 'leakscope-bridge', v: pick([0, 2, '1']), type: 'batch', payload: batch() }),
    () => ({
      tag: 'leakscope-bridge',
      v: 1,
      type: pick(['eval', 'navigated', '__proto__']),
      payload: {},
    }),
    () => ({ tag: 'leakscope-bridge', v: 1, type: 'batch', payload: batch() }),
    () => ({ tag: 'leakscope-bridge', v: 1, type: 'error', payload: { message: pick(xss) } }),
    () => ({
      tag: 'leakscope-bridge',
      v: 1,
      type: 'hello',
      payload: { protocol: pick([2, Number.NaN, 1e9]), version: pick(xss), url: pick(xss) },
    }),
    // Control messages are the page's to forge: it can drive its own agent directly anyway.
    // (Not `cancel` of a real id: that would remove the page's own click listener.)
    () => ({
      tag: 'leakscope-bridge-control',
      v: 1,
      type: pick(['record-start', 'cancel', 'subscribe']),
      id: 424242,
    }),
  ]
  let posted = 0
  for (let i = 0; i < count; i++) {
    try {
      globalThis.postMessage(pick(messages)(), '*')
      posted++
    } catch {
      // Not cloneable: the page's own problem.
    }
  }
  return posted
}

test('thousands of hostile messages: relay, worker and panel stay healthy, nothing runs', async ({
  context,
  openTab,
  openPanel,
  extensionId,
}) => {
  test.setTimeout(90_000)
  const { page, tabId } = await openTab(site.url('/leaky.html'))
  const panel = await openPanel(tabId)
  await panel.waitFor((m) => m.type === 'batch')
  await panel.clear()

  const started = Date.now()
  let posted = 0
  for (let round = 0; round < 10; round++) {
    posted += await page.evaluate(attack, { count: 300, seed: round + 1 })
  }
  expect(posted).toBeGreaterThanOrEqual(3000)
  const seconds = (Date.now() - started) / 1000 + 2
  await page.waitForTimeout(1500)

  // Whatever reached the panel is valid, within limits, and a bounded number of messages.
  const received = await panel.messages()
  for (const message of received) {
    if (message.type === 'batch') {
      expect(pageMessage({ type: 'batch', payload: message.batch })).toBeDefined()
      expect(message.batch.added.length).toBeLessThanOrEqual(LIMITS.batchItems)
    }
    for (const text of strings(message)) expect(text.length).toBeLessThanOrEqual(LIMITS.string)
  }
  expect(received.length).toBeLessThan(25 * seconds)
  expect(received.some((m) => m.type === 'error' && /dropped/.test(m.message))).toBe(true)

  // Everything still works: a real change in the page arrives, commands go through.
  await page.click('#mount')
  await panel.waitFor(
    (m) => m.type === 'batch' && m.batch.added.some((item) => item.name === 'onResize'),
    10_000,
  )
  await panel.send({ type: 'record-start' })
  await panel.waitFor((m) => m.type === 'recording' && m.state === 'started')
  const worker = context.serviceWorkers().find((w) => w.url().includes(extensionId))
  expect(await worker?.evaluate(() => 1 + 1)).toBe(2)
  expect(await panel.page.evaluate(() => globalThis.__leakscopeTabHost?.statuses)).toEqual([
    'connected',
  ])

  // Nothing executable was rendered or run, in the panel or the page.
  const pwned = (): boolean => (globalThis as { __pwned?: unknown }).__pwned !== undefined
  expect(await panel.page.evaluate(pwned)).toBe(false)
  expect(await page.evaluate(pwned)).toBe(false)
  // The panel UI draws its own SVG chart; nothing else may appear, and no element carries an
  // event-handler attribute or a javascript: link.
  const unsafe = await panel.page.evaluate(() =>
    [...globalThis.document.querySelectorAll('*')]
      .filter(
        (el) =>
          ['IMG', 'IFRAME', 'OBJECT', 'EMBED'].includes(el.tagName) ||
          (el.tagName === 'SCRIPT' && !el.hasAttribute('src')) ||
          el.getAttributeNames().some((name) => name.startsWith('on')) ||
          /^\s*javascript:/i.test(el.getAttribute('href') ?? ''),
      )
      .map((el) => el.outerHTML.slice(0, 200)),
  )
  expect(unsafe).toEqual([])
  // No prototype pollution from `__proto__` keys in the worker or the panel.
  expect(await panel.page.evaluate(() => 'polluted' in {})).toBe(false)
  expect(await worker?.evaluate(() => 'polluted' in {})).toBe(false)
  // The hosts pass only http(s)/file URLs to openResource.
  const opened = await panel.page.evaluate(() => {
    const host = globalThis.__leakscopeTabHost
    return host?.opened.length
  })
  expect(opened).toBe(0)
})

function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value)
  else if (Array.isArray(value)) for (const item of value) strings(item, out)
  else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      out.push(key)
      strings(item, out)
    }
  }
  return out
}

export type { ToPanel }
