// The pages the specs open, served from 127.0.0.1 by the `site` fixture.
export const pages: Record<string, string> = {
  '/leaky.html': `<!doctype html>
<title>leaky widget</title>
<button id="mount">mount</button> <button id="unmount">unmount</button>
<div id="root"></div>
<script>
  function tick() {}
  function onResize() {}
  let timer
  function mount() {
    timer = setInterval(tick, 1000) // leaky interval
    window.addEventListener('resize', onResize) // leaky listener
  }
  function unmount() {
    if (location.search === '?fixed') {
      clearInterval(timer)
      window.removeEventListener('resize', onResize)
    }
  }
  document.querySelector('#mount').addEventListener('click', mount)
  document.querySelector('#unmount').addEventListener('click', unmount)
</script>`,
  '/worker.html': `<!doctype html>
<title>worker widget</title>
<button id="spawn">spawn</button>
<script>
  const source = URL.createObjectURL(new Blob(['onmessage = () => {}'], { type: 'text/javascript' }))
  document.querySelector('#spawn').addEventListener('click', () => {
    const worker = new Worker(source, { name: 'forgotten' }) // leaky worker
    if (location.search === '?fixed') worker.terminate()
  })
  // Closes itself on its first message: the page never calls terminate(), yet it is gone.
  const closing = URL.createObjectURL(new Blob(['onmessage = () => close()'], { type: 'text/javascript' }))
  globalThis.selfClosing = () => new Worker(closing, { name: 'self-closing' }).postMessage('bye')
  // Built with another realm's constructor, which the top document's agent never sees.
  globalThis.fromIframe = () => {
    const frame = document.createElement('iframe')
    document.body.append(frame)
    globalThis.hidden = new frame.contentWindow.Worker(source)
  }
</script>`,
  '/blocking.html': `<!doctype html>
<title>blocking widget</title>
<button id="block">block</button> <button id="quick">quick</button> <button id="external">external</button>
<script src="/busy.js"></script>
<script>
  // A first inline script: Chromium counts positions from the start of each <script> element.
  function decoy() {}
</script>
<script>
  function busy() {
    const end = performance.now() + 300 // blocking handler
    while (performance.now() < end) {}
  }
  function quick() {
    document.body.dataset.clicks = String(Number(document.body.dataset.clicks ?? 0) + 1)
  }
  document.querySelector('#block').addEventListener('click', busy)
  document.querySelector('#quick').addEventListener('click', quick)
  document.querySelector('#external').addEventListener('click', externalBusy)
</script>`,
  '/busy.js': `// A script file, so the attribution names a file of its own.
function externalBusy() {
  const end = performance.now() + 250 // external blocking
  while (performance.now() < end) {}
}
`,
  '/frame-host.html': `<!doctype html>
<title>a page with a frame</title>
<iframe src="/leaky.html"></iframe>`,
  '/app-scope.html': `<!doctype html>
<title>an app with its own leakscope</title>
<button id="run">run</button>
<script type="module">
  import { noTaskLeaks } from '/leakscope/browser/index.js'
  document.querySelector('#run').addEventListener('click', async () => {
    const scope = noTaskLeaks({ action: 'log', logger: { warn() {}, info() {} } })
    setInterval(function appPoll() {}, 1000) // app scope leak
    await scope.check()
    document.body.dataset.checked = 'yes'
  })
</script>`,
}

/** 1-based line of the first line of `path` that contains `marker`. */
export function lineOf(path: string, marker: string): number {
  const lines = (pages[path] ?? '').split('\n')
  const index = lines.findIndex((line) => line.includes(marker))
  if (index === -1) throw new Error(`no ${marker} in ${path}`)
  return index + 1
}
