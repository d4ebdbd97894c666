// `npm run demo:browser`: a page that knows nothing about leakscope gets the agent injected by
// Playwright before its own scripts, mounts and unmounts a widget that forgets to clean up, and
// leakscope prints what the widget left behind, with the page's own lines. Exits 1 on leaks.
import http from 'node:http'
import { chromium } from 'playwright'
import { LeakedTask, TaskLeakError } from 'leakscope'
import { agentScriptPath } from 'leakscope/agent'

const page = `<!doctype html>
<title>clock widget</title>
<button id="mount">mount</button> <button id="unmount">unmount</button>
<div id="root"></div>
<script>
  function tick() { document.querySelector('#clock').textContent = new Date().toISOString() }
  function onResize() {}
  let timer
  function mount() {
    document.querySelector('#root').innerHTML = '<span id="clock"></span>'
    timer = setInterval(tick, 1000)
    window.addEventListener('resize', onResize)
  }
  function unmount() {
    document.querySelector('#root').textContent = '' // forgets clearInterval and removeEventListener
    if (location.search === '?fixed') {
      clearInterval(timer)
      window.removeEventListener('resize', onResize)
    }
  }
  document.querySelector('#mount').addEventListener('click', mount)
  document.querySelector('#unmount').addEventListener('click', unmount)
</script>`

const server = http.createServer((request, response) => {
  response.setHeader('content-type', 'text/html')
  response.end(page)
})
server.listen(0, '127.0.0.1')
await new Promise((resolve) => server.once('listening', resolve))
// `--fixed` serves the same page with an unmount that cleans up.
const fixed = process.argv.includes('--fixed')
const url = `http://127.0.0.1:${server.address().port}/${fixed ? '?fixed' : ''}`

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
})
try {
  const context = await browser.newContext()
  await context.addInitScript({ path: agentScriptPath })
  const tab = await context.newPage()
  await tab.goto(url)
  const scope = await tab.evaluate(() => globalThis.__LEAKSCOPE_AGENT__.openScope())
  await tab.click('#mount')
  await tab.click('#unmount')
  const report = await tab.evaluate((id) => globalThis.__LEAKSCOPE_AGENT__.closeScope(id), scope)
  console.log(`Page: ${url} (mount, then unmount)\n`)
  console.log(
    report.tasks.length === 0
      ? 'No leaks.'
      : new TaskLeakError(report.tasks.map((task) => new LeakedTask(task))).message,
  )
  process.exitCode = report.tasks.length === 0 ? 0 : 1
} finally {
  await browser.close()
  server.close()
}
