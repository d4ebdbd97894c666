import { test, expect, leakscope } from './fixtures.js'
import { lineOf } from './pages.js'

// eslint-disable-next-line no-control-regex
const plain = (text: string): string => text.replace(/\u001b\[[0-9;]*m/g, '')

async function failureOf(assertion: Promise<void>): Promise<string> {
  const error: unknown = await assertion.then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!(error instanceof Error)) throw new Error('expected the assertion to fail')
  return plain(error.message)
}

function expectNoStackLikeLines(message: string): void {
  expect(message.split('\n').filter((line) => /^\s*at /.test(line))).toEqual([])
}

test('a leaky page fails toHaveNoLeaks with each item, its kind and source line', async ({ page, site }) => {
  await page.goto(`${site}/leaky.html`)
  const scope = await leakscope.start(page)
  await page.click('#mount')
  await page.click('#unmount')
  const message = await failureOf(expect(scope).toHaveNoLeaks())
  expect(message).toContain('toHaveNoLeaks')
  expect(message).toContain('Detected 2 leaked tasks')
  expect(message).toContain('Leaked task: interval "tick"')
  expect(message).toContain('Leaked task: listener "onResize"')
  expect(message).toContain(`leaky.html:${lineOf('/leaky.html', 'leaky interval')}:`)
  expect(message).toContain(`leaky.html:${lineOf('/leaky.html', 'leaky listener')}:`)
  expectNoStackLikeLines(message)

  const attachment = test.info().attachments.find((a) => a.name.startsWith('leakscope-report'))
  expect(attachment?.contentType).toBe('application/json')
  const report = JSON.parse(String(attachment?.body)) as { tasks: { kind: string }[] }
  expect(report.tasks.map((t) => t.kind).sort()).toEqual(['interval', 'listener'])
})

test('a page that cleans up passes', async ({ page, site }) => {
  await page.goto(`${site}/leaky.html?fixed`)
  const scope = await leakscope.start(page)
  await page.click('#mount')
  await page.click('#unmount')
  await expect(scope).toHaveNoLeaks()
  expect(test.info().attachments).toEqual([])
})

test('.not passes on leaks and fails without them', async ({ page, site }) => {
  await page.goto(`${site}/leaky.html`)
  const leaky = await leakscope.start(page)
  await page.click('#mount')
  await expect(leaky).not.toHaveNoLeaks()

  const clean = await leakscope.start(page)
  const message = await failureOf(expect(clean).not.toHaveNoLeaks())
  expect(message).toContain('Expected leaks')
})

test('kinds and nameFilter narrow the report', async ({ page, site }) => {
  await page.goto(`${site}/leaky.html`)
  const listeners = await leakscope.start(page, { kinds: ['listener'] })
  const ticks = await leakscope.start(page, { nameFilter: /^tick$/ })
  await page.click('#mount')
  const onlyListener = await failureOf(expect(listeners).toHaveNoLeaks())
  expect(onlyListener).toContain('Detected 1 leaked task')
  expect(onlyListener).toContain('listener "onResize"')
  const onlyTick = await failureOf(expect(ticks).toHaveNoLeaks())
  expect(onlyTick).toContain('Detected 1 leaked task')
  expect(onlyTick).toContain('interval "tick"')
})

test('a worker that is never terminated is reported', async ({ page, site }) => {
  await page.goto(`${site}/worker.html`)
  const scope = await leakscope.start(page)
  await page.click('#spawn')
  const message = await failureOf(expect(scope).toHaveNoLeaks())
  expect(message).toContain('Leaked worker: worker "forgotten"')
  expect(message).toContain(`worker.html:${lineOf('/worker.html', 'leaky worker')}:`)
  expectNoStackLikeLines(message)

  await page.goto(`${site}/worker.html?fixed`)
  const fixed = await leakscope.start(page)
  await page.click('#spawn')
  await expect(fixed).toHaveNoLeaks()
})

// Filled by the expected-failure test below and checked by the next one (one worker, file order:
// an expected failure does not restart the worker).
let softOutcome: { errors: string[]; wentOn: boolean } | undefined

test('expect.soft records the failure and the test goes on', async ({ page, site }) => {
  test.fail()
  await page.goto(`${site}/leaky.html`)
  const scope = await leakscope.start(page)
  await page.click('#mount')
  await expect.soft(scope).toHaveNoLeaks()
  softOutcome = { errors: test.info().errors.map((e) => plain(e.message ?? '')), wentOn: true }
})

test('... and the soft failure carried the report', () => {
  expect(softOutcome?.wentOn).toBe(true)
  expect(softOutcome?.errors).toHaveLength(1)
  expect(softOutcome?.errors[0]).toContain('interval "tick"')
})

test('a scope ended by a navigation gives a readable error', async ({ page, site }) => {
  await page.goto(`${site}/leaky.html`)
  const scope = await leakscope.start(page)
  await page.reload()
  const message = await failureOf(expect(scope).toHaveNoLeaks())
  expect(message).toContain('navigating or reloading the page ends it')
})

test('start() refuses a page of another context', async ({ browser }) => {
  const other = await browser.newPage()
  try {
    const message = await failureOf(leakscope.start(other).then(() => undefined))
    expect(message).toContain('did not prepare')
  } finally {
    await other.close()
  }
})
