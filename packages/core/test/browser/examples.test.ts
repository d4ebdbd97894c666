// The examples under examples/browser/, checked for leaks on unmount.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { act, createElement, StrictMode } from 'react'
import { createRoot, type Root } from 'react-dom/client'
import { noTaskLeaks } from 'leakscope'
import { mountClock } from '../../examples/browser/widget.js'
import { Ticker } from '../../examples/browser/react-ticker.js'
import { firstFramePath, quiet } from './helpers.js'

describe('plain DOM widget', () => {
  test('mount + unmount of the fixed widget leaves nothing behind', async () => {
    const host = document.createElement('div')
    document.body.append(host)
    await noTaskLeaks({ action: 'throw' }).run(() => {
      const unmount = mountClock(host)
      unmount()
    })
    host.remove()
  })

  test('the leaky widget is caught: interval, window listener and observer', async () => {
    const host = document.createElement('div')
    document.body.append(host)
    const scope = noTaskLeaks(quiet)
    await scope.run(() => mountClock(host, { leaky: true })())
    const leaks = await scope.check()
    for (const leak of leaks) leak.cancel()
    host.remove()
    expect(leaks.map((t) => [t.kind, t.name])).toEqual([
      ['interval', 'tick'],
      ['listener', 'onWindowResize'],
      ['observer', 'onHostResize'],
    ])
    for (const leak of leaks) expect(firstFramePath(leak)).toMatch(/examples\/browser\/widget\.ts$/)
  })
})

describe('React component (effect cleanup, StrictMode double mount)', () => {
  let container: HTMLElement
  let root: Root
  const flags = globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }

  beforeAll(() => {
    flags.IS_REACT_ACT_ENVIRONMENT = true
  })
  afterAll(() => {
    delete flags.IS_REACT_ACT_ENVIRONMENT
  })

  // createRoot adds React's delegated listeners to the container (for the root's lifetime):
  // create it outside the scope. The synchronous act() flushes effects inside the scope's context.
  function renderAndUnmount(leaky: boolean): void {
    act(() => root.render(createElement(StrictMode, null, createElement(Ticker, { leaky }))))
    expect(container.textContent).toBe('0')
    act(() => root.unmount())
  }

  test('the fixed component is clean through StrictMode’s mount, unmount, mount, unmount', async () => {
    container = document.createElement('div')
    root = createRoot(container)
    await noTaskLeaks({ action: 'throw' }).run(() => renderAndUnmount(false))
  })

  test('the leaky component leaks each effect twice under StrictMode', async () => {
    container = document.createElement('div')
    root = createRoot(container)
    const scope = noTaskLeaks(quiet)
    await scope.run(() => renderAndUnmount(true))
    const leaks = await scope.check()
    for (const leak of leaks) leak.cancel()
    expect(leaks.map((t) => `${t.kind}:${t.name}`).sort()).toEqual([
      'broadcast-channel:ticker',
      'broadcast-channel:ticker',
      'interval:poll',
      'interval:poll',
      'listener:onOnline',
      'listener:onOnline',
    ])
    for (const leak of leaks)
      expect(firstFramePath(leak)).toMatch(/examples\/browser\/react-ticker\.ts$/)
  })
})
