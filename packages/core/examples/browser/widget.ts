// A plain DOM widget: a clock that follows the window size. `mount()` returns `unmount()`.
// The leaky variant forgets half of its cleanup, which is exactly what leakscope catches.

export interface ClockOptions {
  /** When true, unmount() forgets the interval, the resize listener and the observer. */
  leaky?: boolean
}

export function mountClock(host: HTMLElement, options: ClockOptions = {}): () => void {
  const face = document.createElement('time')
  host.append(face)
  const tick = (): void => {
    face.textContent = new Date().toLocaleTimeString()
  }
  function onWindowResize(): void {
    face.style.fontSize = `${Math.max(12, window.innerWidth / 40)}px`
  }
  tick()
  const timer = setInterval(tick, 1000)
  window.addEventListener('resize', onWindowResize)
  const observer = new ResizeObserver(function onHostResize() {
    face.dataset.width = String(host.clientWidth)
  })
  observer.observe(host)

  return function unmount(): void {
    face.remove()
    if (options.leaky === true) return
    clearInterval(timer)
    window.removeEventListener('resize', onWindowResize)
    observer.disconnect()
  }
}
