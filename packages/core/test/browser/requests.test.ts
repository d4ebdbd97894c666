import { describe, expect, test } from 'vitest'
import { noTaskLeaks } from 'leakscope'
import { firstFramePath, quiet } from './helpers.js'

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

  test('a listener left on an XHR is a leak only while its request is in flight', async () => {
    function onLoad(): void {}
    const busy = new XMLHttpRequest()
    const inFlight = noTaskLeaks({ ...quiet, grace: 0 })
    busy.open('GET', url)
    busy.addEventListener('load', onLoad)
    busy.send()
    const leaks = await inFlight.check()
    expect(leaks.map((t) => [t.kind, t.name, t.detail])).toEqual([
      ['listener', 'onLoad', "'load' on XMLHttpRequest"],
      ['xhr', 'xhr', `GET ${url}`],
    ])
    busy.abort()

    // Done, or never sent: nothing can fire those listeners until the page sends again (zone.js
    // leaves such listeners on every request).
    const scope = noTaskLeaks({ action: 'throw', grace: 0 })
    const done = new XMLHttpRequest()
    done.open('GET', url)
    done.addEventListener('load', onLoad)
    await new Promise<void>((resolve) => {
      done.addEventListener('loadend', () => resolve(), { once: true })
      done.send()
    })
    const unsent = new XMLHttpRequest()
    unsent.addEventListener('readystatechange', onLoad)
    expect(await scope.check()).toEqual([])
    // Both still reachable here: the scope did not pass because they were collected.
    expect([done.readyState, unsent.readyState, busy.readyState]).toEqual([4, 0, 0])
  })

  test('a fetch answered within the grace period is clean', async () => {
    const scope = noTaskLeaks({ action: 'throw', grace: 5000 })
    void fetch(url).catch(() => {})
    expect(await scope.check()).toEqual([])
  })
})
