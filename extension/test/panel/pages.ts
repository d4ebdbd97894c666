// The app pages the panel specs open (served from 127.0.0.1). Markers in comments locate the lines
// the creation stacks must point at.
export const pages: Record<string, string> = {
  '/app/live.html': `<!doctype html>
<title>live</title>
<script>
  function poll() {}
  setInterval(poll, 1000) // live interval
  addEventListener('message', function onMessage() {}) // live listener
</script>`,

  '/app/widget.html': `<!doctype html>
<title>widget</title>
<button id="mount">mount</button> <button id="block">block</button>
<script>
  function poll() {}
  setInterval(poll, 1000) // before recording
  function tick() {}
  function onResize() {}
  function mount() {
    setInterval(tick, 1000) // leaky interval
    addEventListener('resize', onResize) // leaky listener
    setTimeout(function done() {}, 10) // short timeout, gone by Stop
  }
  function busy() {
    const end = performance.now() + 160
    while (performance.now() < end) {} // busy loop
  }
  document.querySelector('#mount').addEventListener('click', mount)
  document.querySelector('#block').addEventListener('click', busy)
</script>`,

  '/app/many.html': `<!doctype html>
<title>many</title>
<script>
  const count = Number(new URLSearchParams(location.search).get('n') ?? 0)
  for (let i = 0; i < count; i++) {
    const name = 'job' + i
    setInterval({ [name]: function () {} }[name], 1e6) // many intervals
  }
</script>`,

  '/app/other.html': `<!doctype html>
<title>other</title>
<script>
  function other() {}
  setTimeout(other, 1e6) // other page
</script>`,

  '/app/bundled.html': `<!doctype html>
<title>app with its own leakscope</title>
<script type="module">
  import { noTaskLeaks } from '/leakscope/browser/index.js'
  const scope = noTaskLeaks({ action: 'log', logger: { warn() {} }, attribution: 'global', grace: 0 })
  setTimeout(function appLeak() {}, 60000) // app leak
  await scope.check()
  document.title = 'checked'
</script>`,
}
