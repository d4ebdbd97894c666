// Pages the specs serve (until the playground's routes are used).
export const leakyScript = `function tick() {}
function onResize() {}
let timer
function mount() {
  timer = setInterval(tick, 1000) // leaky interval
  window.addEventListener('resize', onResize) // leaky listener
}
function spawnTimer() {
  return setTimeout(tick, 60000) // recorded timer
}
function block(ms) {
  const end = performance.now() + ms
  while (performance.now() < end) {} // blocking loop
}
document.querySelector('#mount').addEventListener('click', mount)
`

export const pages: Record<string, string> = {
  '/leaky.html': `<!doctype html>
<title>leaky</title>
<button id="mount">mount</button>
<script src="/leaky.js"></script>`,
  '/leaky.js': leakyScript,
  '/other.html': `<!doctype html>
<title>other</title>
<script>setInterval(function otherTick() {}, 5000)</script>`,
  '/frames.html': `<!doctype html>
<title>frames</title>
<iframe src="/other.html"></iframe>`,
}
