// Tests of the `leakscope` option, run by option.spec.ts in a child Playwright process, which
// reads their outcome (status, errors, attachments) from the JSON reporter.
import type { Page } from '@playwright/test'
import { test, expect } from '../fixtures.js'

test.describe('option on', () => {
  test.use({ leakscope: { grace: 100 } })

  test('leaky page', async ({ page, site }) => {
    await page.goto(`${site}/leaky.html`)
    await page.click('#mount')
    await page.click('#unmount')
  })

  test('clean page', async ({ page, site }) => {
    await page.goto(`${site}/leaky.html?fixed`)
    await page.click('#mount')
    await page.click('#unmount')
  })

  test('pending in a document that is gone', async ({ page, site }) => {
    await page.goto(`${site}/leaky.html`)
    await page.click('#mount')
    // The browser discarded that document and all its work: not a leak of this test.
    await page.goto(`${site}/leaky.html?fixed`)
  })

  test('second page', async ({ page, context, site }) => {
    await page.goto(`${site}/leaky.html?fixed`)
    const other = await context.newPage()
    await other.goto(`${site}/leaky.html?second`)
    await other.click('#mount')
  })

  test('closed page', async ({ page, site }) => {
    await page.goto(`${site}/leaky.html`)
    await page.click('#mount')
    await page.close()
  })

  test('own failure', async ({ page, site }) => {
    await page.goto(`${site}/leaky.html`)
    await page.click('#mount')
    expect(1).toBe(2)
  })

  test('expected failure', async ({ page, site }) => {
    test.fail()
    await page.goto(`${site}/leaky.html`)
    await page.click('#mount')
  })

  test('long frame, option without blocking', async ({ page, site }) => {
    await page.goto(`${site}/blocking.html`)
    await page.click('#block')
  })
})

test.describe('workers', () => {
  // A new worker takes tens of milliseconds to start (and to close itself).
  test.use({ leakscope: { grace: 1000 } })

  test('running worker', async ({ page, site }) => {
    await page.goto(`${site}/worker.html`)
    await page.click('#spawn')
  })

  test('terminated and self-closed workers', async ({ page, site }) => {
    await page.goto(`${site}/worker.html?fixed`)
    await page.click('#spawn')
    await page.evaluate(() => (globalThis as unknown as { selfClosing(): void }).selfClosing())
  })
})

test.describe("the page's own leakscope", () => {
  test.use({ leakscope: { grace: 100 } })

  test('app scope report from a document that is gone', async ({ page, site }) => {
    await page.goto(`${site}/app-scope.html`)
    await page.click('#run')
    await page.locator('body[data-checked="yes"]').waitFor()
    // The report travels in the agent's next batch (every 250 ms).
    await page.waitForTimeout(600)
    await page.goto(`${site}/leaky.html?fixed`)
  })
})

test.describe('option off', () => {
  test('leaky page passes', async ({ page, site }) => {
    await page.goto(`${site}/leaky.html`)
    await page.click('#mount')
  })
})

test.describe('option true', () => {
  test.use({ leakscope: true })

  test('leaky page', async ({ page, site }) => {
    await page.goto(`${site}/leaky.html`)
    await page.click('#mount')
  })
})

test.describe('kinds and nameFilter', () => {
  test.use({ leakscope: { kinds: ['listener'], nameFilter: /^on/ } })

  test('leaky page', async ({ page, site }) => {
    await page.goto(`${site}/leaky.html`)
    await page.click('#mount')
  })
})

// Thresholds well under the 300 ms handler, and well over what a starved machine makes of a
// quick frame (the test machine's load can stretch any frame past 100 ms).
test.describe('blocking', () => {
  test.use({ leakscope: { blocking: { threshold: 250 } } })

  test('long frame in a document that is gone', async ({ page, site }) => {
    await page.goto(`${site}/blocking.html`)
    await page.click('#block')
    // Chromium reports a long frame a little after it, once a later frame has rendered; a
    // navigation started at once can tear the document down first (docs/playwright.md). The
    // frame is gone with its document by the test's end either way.
    await page.evaluate(
      () =>
        new Promise<void>((resolve) => {
          requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(resolve, 150)))
        }),
    )
    await page.goto(`${site}/leaky.html?fixed`)
  })

  test('quick handlers', async ({ page, site }) => {
    await page.goto(`${site}/blocking.html`)
    await page.click('#quick')
  })
})

test.describe('source maps', () => {
  const mountLeaky = async (page: Page): Promise<void> => {
    await page.click('#mount')
    await expect(page.locator('#root p')).toHaveText(/ticker: [1-9]/)
  }
  test.describe('on', () => {
    test.use({ leakscope: { grace: 100, kinds: ['interval'] } })
    test('leaky React component', async ({ page, viteSite }) => {
      await page.goto(viteSite)
      await mountLeaky(page)
    })
  })
  test.describe('off', () => {
    test.use({ leakscope: { grace: 100, kinds: ['interval'], sourceMaps: false } })
    test('leaky React component', async ({ page, viteSite }) => {
      await page.goto(viteSite)
      await mountLeaky(page)
    })
  })
})

test.describe('bad options', () => {
  test.describe('negative grace', () => {
    test.use({ leakscope: { grace: -1 } })
    test('bad grace', async ({ page }) => {
      await page.goto('about:blank')
    })
  })
  test.describe('unknown key', () => {
    test.use({ leakscope: { nameFiltr: 'x' } as never })
    test('unknown key', async ({ page }) => {
      await page.goto('about:blank')
    })
  })
  test.describe('bad sourceMaps', () => {
    test.use({ leakscope: { sourceMaps: 'yes' } as never })
    test('bad sourceMaps', async ({ page }) => {
      await page.goto('about:blank')
    })
  })
  test.describe('bad kind', () => {
    test.use({ leakscope: { kinds: ['intervals'] } as never })
    test('bad kind', async ({ page }) => {
      await page.goto('about:blank')
    })
  })
})
