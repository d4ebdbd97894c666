import { describe, expect, test } from 'vitest'
import { noTaskLeaks } from 'leakscope'
import { firstFramePath, quiet, wait } from './helpers.js'

function noop(): void {}

describe('observers', () => {
  test('constructors are wrapped transparently', async () => {
    const Native = MutationObserver
    const scope = noTaskLeaks({ action: 'throw', grace: 0 })
    expect(MutationObserver).not.toBe(Native)
    const observer = new MutationObserver(noop)
    expect(observer).toBeInstanceOf(MutationObserver)
    expect(observer).toBeInstanceOf(Native)
    expect(Object.getPrototypeOf(observer)).toBe(Native.prototype)
    expect(MutationObserver.name).toBe('MutationObserver')
    class Sub extends MutationObserver {}
    expect(new Sub(noop)).toBeInstanceOf(Sub)
    await scope.check()
    expect(MutationObserver).toBe(Native)
  })

  test('each observer kind observing and never disconnected is a leak', async () => {
    const scope = noTaskLeaks({ ...quiet, grace: 0 })
    const element = document.createElement('div')
    document.body.append(element)
    const observers = [
      new MutationObserver(function onMutation() {}),
      new ResizeObserver(function onResize() {}),
      new IntersectionObserver(function onIntersection() {}),
      new PerformanceObserver(function onEntries() {}),
    ]
    ;(observers[0] as MutationObserver).observe(element, { childList: true })
    ;(observers[1] as ResizeObserver).observe(element)
    ;(observers[2] as IntersectionObserver).observe(element)
    ;(observers[3] as PerformanceObserver).observe({ type: 'mark' })
    const leaks = await scope.check()
    for (const observer of observers) observer.disconnect()
    element.remove()
    expect(leaks.map((t) => [t.kind, t.name, t.detail])).toEqual([
      ['observer', 'onMutation', 'MutationObserver'],
      ['observer', 'onResize', 'ResizeObserver'],
      ['observer', 'onIntersection', 'IntersectionObserver'],
      ['observer', 'onEntries', 'PerformanceObserver'],
    ])
    for (const leak of leaks) expect(firstFramePath(leak)).toMatch(/observers\.test\.ts$/)
  })

  test('disconnect() and unobserving every target are clean', async () => {
    const scope = noTaskLeaks({ action: 'throw', grace: 0 })
    const a = document.createElement('div')
    const b = document.createElement('div')
    document.body.append(a, b)
    const mutation = new MutationObserver(noop)
    mutation.observe(a, { attributes: true })
    mutation.disconnect()
    const resize = new ResizeObserver(noop)
    resize.observe(a)
    resize.observe(b)
    resize.unobserve(a)
    resize.unobserve(b)
    const perf = new PerformanceObserver(noop)
    perf.observe({ type: 'mark' })
    perf.disconnect()
    expect(await scope.check()).toEqual([])
    a.remove()
    b.remove()
  })

  test('an observer callback runs in the scope it was created in', async () => {
    let handle: number | undefined
    const element = document.createElement('div')
    document.body.append(element)
    const scope = noTaskLeaks({ ...quiet, grace: 0, kinds: ['interval'] })
    let observer: MutationObserver | undefined
    await scope.run(async () => {
      observer = new MutationObserver(() => {
        handle ??= setInterval(function fromObserver() {}, 1000)
      })
      observer.observe(element, { attributes: true })
      await wait(1)
      element.setAttribute('data-x', '1')
      await wait(5)
      observer.disconnect()
    })
    const leaks = await scope.check()
    observer?.disconnect()
    clearInterval(handle)
    element.remove()
    expect(leaks.map((t) => t.name)).toEqual(['fromObserver'])
  })
})
