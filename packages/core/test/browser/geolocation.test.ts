// Permission and position come from the DevTools protocol: headless Chromium refuses geolocation
// until it is granted to this page's browser context.
import { afterAll, describe, expect, test } from 'vitest'
import { cdp } from 'vitest/browser'
import { noTaskLeaks } from 'leakscope'
import { firstFramePath, quiet } from './helpers.js'

interface Session {
  send(method: string, params?: object): Promise<unknown>
}

const session = cdp() as unknown as Session

async function browserContextId(): Promise<string> {
  const { targetInfo } = (await session.send('Target.getTargetInfo')) as {
    targetInfo: { browserContextId: string }
  }
  return targetInfo.browserContextId
}

async function allowGeolocation(allowed: boolean): Promise<void> {
  const id = await browserContextId()
  if (allowed) {
    await session.send('Browser.grantPermissions', {
      permissions: ['geolocation'],
      origin: location.origin,
      browserContextId: id,
    })
    await session.send('Emulation.setGeolocationOverride', {
      latitude: 52.52,
      longitude: 13.4,
      accuracy: 10,
    })
  } else {
    await session.send('Browser.resetPermissions', { browserContextId: id })
  }
}

afterAll(() => allowGeolocation(false))

// Resolves with the first position (or the error's code) a watch reports.
function firstAnswer(watch: (success: PositionCallback, failure: PositionErrorCallback) => number) {
  return new Promise<{ id: number; answer: string }>((resolve) => {
    const id = watch(
      (position) => resolve({ id, answer: `at ${position.coords.latitude}` }),
      (error) => resolve({ id, answer: `error ${error.code}` }),
    )
  })
}

function followUser(onPosition: PositionCallback): number {
  return navigator.geolocation.watchPosition(onPosition)
}

describe('geolocation watches', () => {
  test('a watch never cleared is a leak, at the line that started it', async () => {
    await allowGeolocation(true)
    const scope = noTaskLeaks({ ...quiet, grace: 0 })
    let positions = 0
    const id = followUser(function onPosition() {
      positions++
    })
    while (positions === 0) await new Promise((resolve) => setTimeout(resolve, 10))
    const leaks = await scope.check()
    expect(leaks.map((t) => [t.kind, t.name, t.state, t.detail])).toEqual([
      ['geolocation-watch', 'onPosition', 'repeating', `watchPosition #${id}`],
    ])
    expect(firstFramePath(leaks[0])).toMatch(/geolocation\.test\.ts$/)
    expect(leaks[0]?.creationStack?.[0]?.functionName).toBe('followUser')
    leaks[0]?.cancel() // clearWatch(id)
  })

  test('clearWatch ends it: clean', async () => {
    await allowGeolocation(true)
    const scope = noTaskLeaks({ action: 'throw', grace: 0 })
    const { id, answer } = await firstAnswer((ok, fail) =>
      navigator.geolocation.watchPosition(ok, fail),
    )
    navigator.geolocation.clearWatch(id)
    expect(answer).toBe('at 52.52')
    await expect(scope.check()).resolves.toEqual([])
  })

  test('a watch the user refused has stopped: clean, with or without an error callback', async () => {
    await allowGeolocation(false)
    const scope = noTaskLeaks({ action: 'throw', grace: 0 })
    const { answer } = await firstAnswer((ok, fail) =>
      navigator.geolocation.watchPosition(ok, fail),
    )
    expect(answer).toBe('error 1')
    // No error callback of the page's own: leakscope still learns of the refusal.
    followUser(() => {})
    await new Promise((resolve) => setTimeout(resolve, 50))
    await expect(scope.check()).resolves.toEqual([])
  })

  test('the callback carries the scope: a timer it starts is the scope’s', async () => {
    await allowGeolocation(true)
    const scope = noTaskLeaks({ ...quiet, grace: 0 })
    let handle: number | undefined
    await scope.run(
      () =>
        new Promise<void>((resolve) => {
          const id = navigator.geolocation.watchPosition(() => {
            navigator.geolocation.clearWatch(id)
            handle ??= setInterval(function fromPosition() {}, 1000)
            resolve()
          })
        }),
    )
    const leaks = await scope.check()
    clearInterval(handle)
    expect(leaks.map((t) => [t.kind, t.name])).toEqual([['interval', 'fromPosition']])
  })
})
