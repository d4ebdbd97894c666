import { describe, expect, test } from 'vitest'
import { noTaskLeaks } from 'leakscope'
import { firstFramePath } from './helpers.js'

const url = `${location.origin}/__leakscope_test_request__`

describe('in-flight requests', () => {
  test('a fetch and an XHR still in flight are leaks; cancel aborts them', async () => {
    const original = console.warn
    console.warn = () => {}
    const scope = noTaskLeaks({ action: 'cancel', grace: 0 })
    const pending = fetch(url).then(
      () => 'answered',
      (error: unknown) => (error as Error).name,
    )
    const xhr = new XMLHttpRequest()
    xhr.open('GET', url)
    xhr.send()
    const leaks = await scope.check()
    console.warn = original
    expect(leaks.map((t) => [t.kind, t.name, t.state, t.detail])).toEqual([
      ['fetch', 'fetch', 'in-flight', `GET ${url}`],
      ['xhr', 'xhr', 'in-flight', `GET ${url}`],
    ])
    for (const leak of leaks) expect(firstFramePath(leak)).toMatch(/requests\.test\.ts$/)
    expect(await pending).toBe('AbortError')
    expect(xhr.readyState).toBe(XMLHttpRequest.UNSENT)
  })

  test('requests that completed are clean; the caller’s own signal still works', async () => {
    const scope = noTaskLeaks({ action: 'throw', grace: 0 })
    await scope.run(async () => {
      const response = await fetch(url)
      expect(response).toBeInstanceOf(Response)
      const controller = new AbortController()
      const aborted = fetch(url, { signal: controller.signal }).catch((e: unknown) => e)
      controller.abort()
      expect((await aborted) as Error).toHaveProperty('name', 'AbortError')
      await new Promise<void>((resolve) => {
        const xhr = new XMLHttpRequest()
        xhr.open('GET', url)
        xhr.onloadend = () => resolve()
        xhr.send()
      })
    })
    expect(await scope.check()).toEqual([])
  })

  test('a fetch answered within the grace period is clean', async () => {
    const scope = noTaskLeaks({ action: 'throw', grace: 5000 })
    void fetch(url).catch(() => {})
    expect(await scope.check()).toEqual([])
  })
})
