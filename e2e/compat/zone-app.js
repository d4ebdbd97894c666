// Work started inside a forked zone, the way Angular runs an app in NgZone: zone.js and the
// agent both patch timers, listeners, observers and XHR, and both must keep working.
import { ready, widget } from './harness.js'

// What the app zone's hooks saw: the hooks NgZone relies on to know when the app is busy.
const seen = { scheduled: 0, invoked: 0, canceled: 0 }
// What the widgets' callbacks did, and which zone they ran in.
const state = { ticks: 0, resizes: 0, mutations: 0, zones: new Set(), response: '', late: 0 }
globalThis.compat = { seen, state }

const appZone = Zone.current.fork({
  name: 'app',
  onScheduleTask(parent, current, target, task) {
    seen.scheduled++
    return parent.scheduleTask(target, task)
  },
  onInvokeTask(parent, current, target, task, applyThis, applyArgs) {
    seen.invoked++
    return parent.invokeTask(target, task, applyThis, applyArgs)
  },
  onCancelTask(parent, current, target, task) {
    seen.canceled++
    return parent.cancelTask(target, task)
  },
})

// Each widget gets its own callbacks: the DOM keys a listener on its callback, and the leaky
// widget's leftovers must not share a key with the fixed widget's.
function callbacks() {
  return {
    poll() {
      state.ticks++
      state.zones.add(Zone.current.name)
    },
    onResize() {
      state.resizes++
      state.zones.add(Zone.current.name)
    },
    onMutation() {
      state.mutations++
      state.zones.add(Zone.current.name)
    },
  }
}

widget('leaky', {
  mount(host) {
    const { poll, onResize, onMutation } = callbacks()
    appZone.run(() => {
      setInterval(poll, 20) // LEAK interval
      window.addEventListener('resize', onResize) // LEAK listener
      new MutationObserver(onMutation).observe(host, { childList: true }) // LEAK observer
      host.append('polling')
    })
  },
  unmount() {},
})

let interval
let late
let observer
let request
let onResize
widget('fixed', {
  mount(host) {
    const made = callbacks()
    const { poll, onMutation } = made
    onResize = made.onResize
    appZone.run(() => {
      interval = setInterval(poll, 20)
      window.addEventListener('resize', onResize)
      observer = new MutationObserver(onMutation)
      observer.observe(host, { childList: true })
      // Due long after the unmount, which cancels it: it must never run.
      late = setTimeout(() => state.late++, 60_000)
      request = new XMLHttpRequest()
      request.open('GET', '/api/echo?text=zone')
      request.addEventListener(
        'load',
        () => {
          state.response = JSON.parse(request.responseText).echo
          state.zones.add(Zone.current.name)
        },
        { once: true },
      )
      request.send()
      host.append('polling')
    })
  },
  unmount() {
    clearInterval(interval)
    clearTimeout(late)
    window.removeEventListener('resize', onResize)
    observer.disconnect()
  },
})

ready()
