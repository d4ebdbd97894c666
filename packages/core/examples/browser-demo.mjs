// `npm run demo:browser`: the playground (playground/, a Vite app written without leakscope) in
// headless Chromium, with the agent injected by Playwright's addInitScript before the app's own
// scripts. On each leak route it mounts and unmounts the leaky widget inside an agent scope
// (`--fixed`: the fixed widget) and prints what the widget left behind, at the app's own source
// lines. Exits 1 on leaks.
import { chromium } from 'playwright'
import { LeakedTask, LeakedWorker, TaskLeakError, WorkerLeakError } from 'leakscope'
import { agentScriptPath } from 'leakscope/agent'
import { startPlayground } from '../../../playground/server.js'

const routes = ['/interval', '/listener', '/observer', '/websocket', '/worker', '/fetch', '/react']
const variant = process.argv.includes('--fixed') ? 'fixed' : 'leaky'

function describe(report) {
  const parts = []
  if (report.tasks.length > 0)
    parts.push(new TaskLeakError(report.tasks.map((task) => new LeakedTask(task))).message)
  if (report.workers.length > 0)
    parts.push(
      new WorkerLeakError(report.workers.map((worker) => new LeakedWorker(worker))).message,
    )
  return parts.length === 0 ? 'No leaks.' : parts.join('\n\n')
}

const playground = await startPlayground({ port: 0 })
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
})
try {
  const context = await browser.newContext()
  await context.addInitScript({ path: agentScriptPath })
  const page = await context.newPage()
  let leaks = 0
  for (const route of routes) {
    const url = new URL(route, playground.url).href
    await page.goto(url)
    const scope = await page.evaluate(() => globalThis.__LEAKSCOPE_AGENT__.openScope())
    await page.click(`#mount-${variant}`)
    await page.click(`#unmount-${variant}`)
    const report = await page.evaluate((id) => globalThis.__LEAKSCOPE_AGENT__.closeScope(id), scope)
    leaks += report.tasks.length + report.workers.length
    console.log(`Page: ${url} (${variant} widget: mount, then unmount)\n\n${describe(report)}\n`)
  }
  process.exitCode = leaks === 0 ? 0 : 1
} finally {
  await browser.close()
  await playground.close()
}
