// Vue 3 components that start work in onMounted: the leaky one never stops it, the fixed one
// stops it in onUnmounted.
import { createApp, h, onMounted, onUnmounted, ref } from 'vue'
import { ready, widget } from './harness.js'

function Clock(variant) {
  return {
    setup() {
      const ticks = ref(0)
      const width = ref(0)
      const clicks = ref(0)
      function tick() {
        ticks.value++
      }
      function measure() {
        width.value = window.innerWidth
      }
      let interval
      onMounted(() => {
        measure()
        if (variant === 'leaky') {
          setInterval(tick, 20) // LEAK interval
          window.addEventListener('resize', measure) // LEAK listener
        } else {
          interval = setInterval(tick, 20)
          window.addEventListener('resize', measure)
        }
      })
      onUnmounted(() => {
        if (variant === 'leaky') return
        clearInterval(interval)
        window.removeEventListener('resize', measure)
      })
      return () => [
        h('p', { 'data-testid': `ticks-${variant}` }, `ticks: ${ticks.value}`),
        h('p', { 'data-testid': `width-${variant}` }, `width: ${width.value}`),
        h(
          'button',
          { 'data-testid': `click-${variant}`, onClick: () => clicks.value++ },
          `clicked ${clicks.value}`,
        ),
      ]
    },
  }
}

for (const variant of ['leaky', 'fixed']) {
  let app
  widget(variant, {
    mount(host) {
      app = createApp(Clock(variant))
      app.mount(host)
    },
    unmount() {
      app.unmount()
    },
  })
}

ready()
