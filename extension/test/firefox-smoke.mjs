// A smoke run of the Firefox build in a real Firefox (Debian's firefox-esr, or FIREFOX_PATH),
// driven over Marionette (no Playwright: it only drives its own patched Firefox). It installs
// extension/dist-firefox as a temporary add-on, opens a page with a leaking interval, opens the
// extension's panel page as the tab host (`panel.html?tab=ID`) and returns what reached it:
// live items, a recording (Start/Stop through the host's connection) and a navigation. Then it
// opens DevTools on the page and checks that the Leakscope panel is there with our panel page;
// what that panel renders is not read (its document is in the extension process).
// `node extension/test/firefox-smoke.mjs` prints the result; firefox.test.mjs asserts on it.
import { Buffer } from 'node:buffer'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { GECKO_ID } from '../manifest-firefox.mjs'

const UUID = '6f1c3c9e-1d2b-4c5a-9f00-1e2d3c4b5a69'

/** The Firefox to use, or undefined when there is none. */
export function findFirefox() {
  const candidates = [process.env.FIREFOX_PATH, '/usr/bin/firefox-esr', '/usr/bin/firefox']
  return candidates.find((path) => path !== undefined && path !== '' && existsSync(path))
}

const PAGE = `<!doctype html><title>app</title><script>
const poll = setInterval(function poll() {}, 1000)
function leak() { setInterval(function leaked() {}, 1000) }
</script>`

/** Marionette's wire format: `length:json`, commands `[0, id, name, params]`. */
async function marionette(port) {
  const socket = connect(port, '127.0.0.1')
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject))
  let buffer = Buffer.alloc(0)
  const waiting = []
  socket.on('data', (data) => {
    buffer = Buffer.concat([buffer, data])
    for (;;) {
      const colon = buffer.indexOf(':')
      if (colon < 0) return
      const length = Number(buffer.subarray(0, colon).toString())
      if (buffer.length < colon + 1 + length) return
      const packet = JSON.parse(buffer.subarray(colon + 1, colon + 1 + length).toString())
      buffer = buffer.subarray(colon + 1 + length)
      waiting.shift()?.(packet)
    }
  })
  const next = () => new Promise((resolve) => waiting.push(resolve))
  await next() // the greeting
  let id = 0
  const command = async (name, params = {}) => {
    const body = JSON.stringify([0, ++id, name, params])
    const reply = next()
    socket.write(`${Buffer.byteLength(body)}:${body}`)
    const [, , error, result] = await reply
    if (error) throw new Error(`${name}: ${error.error}: ${error.message}`)
    return result !== null && typeof result === 'object' && 'value' in result
      ? result.value
      : result
  }
  return { command, close: () => socket.destroy() }
}

/** Runs `script` (a function body) in the current tab, through its Xray to the page's objects. */
const inPage = (driver, body, args = []) =>
  driver.command('WebDriver:ExecuteScript', {
    script: `const page = window.wrappedJSObject ?? window; ${body}`,
    args,
  })

async function until(what, probe, timeoutMs = 10_000) {
  const end = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    // Marionette returns a script's `undefined` as null.
    if (value !== undefined && value !== null) return value
    if (Date.now() > end) throw new Error(`firefox smoke: timed out waiting for ${what}`)
    await sleep(100)
  }
}

export async function smoke({ dist, firefox = findFirefox() }) {
  if (firefox === undefined) throw new Error('no Firefox (set FIREFOX_PATH)')
  const profile = mkdtempSync(join(tmpdir(), 'leakscope-firefox-'))
  const prefs = {
    'marionette.port': 0,
    // A known moz-extension:// host for the add-on, so the test can open its panel page.
    'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: UUID }),
    'browser.shell.checkDefaultBrowser': false,
    'datareporting.policy.dataSubmissionEnabled': false,
    'toolkit.telemetry.reportingpolicy.firstRun': false,
    'browser.startup.homepage_override.mstone': 'ignore',
    'browser.startup.page': 0,
    'app.update.enabled': false,
  }
  writeFileSync(
    join(profile, 'user.js'),
    Object.entries(prefs)
      .map(([key, value]) => `user_pref(${JSON.stringify(key)}, ${JSON.stringify(value)});\n`)
      .join(''),
  )
  const server = createServer((_request, response) => {
    response.setHeader('content-type', 'text/html')
    response.end(PAGE)
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${server.address().port}`
  const browser = spawn(
    firefox,
    [
      '--headless',
      '--marionette',
      '-remote-allow-system-access',
      '--no-remote',
      '-profile',
      profile,
    ],
    { stdio: 'ignore' },
  )
  let driver
  try {
    const portFile = join(profile, 'MarionetteActivePort')
    await until('Marionette', () => (existsSync(portFile) ? true : undefined), 30_000)
    driver = await marionette(Number(readFileSync(portFile, 'utf8')))
    const result = { firefox, uuid: UUID }
    result.version = (
      await driver.command('WebDriver:NewSession', { capabilities: {} })
    ).capabilities.browserVersion
    result.installed = await driver.command('Addon:Install', { path: dist, temporary: true })

    await driver.command('WebDriver:Navigate', { url: `${origin}/app.html` })
    result.agentProtocol = await inPage(driver, 'return page.__LEAKSCOPE_AGENT__?.protocol')
    const appTab = await driver.command('WebDriver:GetWindowHandle')

    // Content may not navigate to an extension page: the browser chrome opens it.
    const panelUrl = `moz-extension://${UUID}/panel/panel.html`
    await driver.command('Marionette:SetContext', { value: 'chrome' })
    await driver.command('WebDriver:ExecuteScript', {
      script: `const w = Services.wm.getMostRecentWindow('navigator:browser')
        w.gBrowser.selectedTab = w.gBrowser.addTab(arguments[0], {
          triggeringPrincipal: Services.scriptSecurityManager.getSystemPrincipal(),
        })`,
      args: [panelUrl],
    })
    await driver.command('Marionette:SetContext', { value: 'content' })
    const handles = await driver.command('WebDriver:GetWindowHandles')
    const panelTab = handles.find((handle) => handle !== appTab)
    await driver.command('WebDriver:SwitchToWindow', { handle: panelTab, focus: true })
    await until('the panel page', async () =>
      (await driver.command('WebDriver:GetCurrentURL')).startsWith(panelUrl) ? true : undefined,
    )
    // The app's tab id, as the extension sees it (the tab that is not the panel's).
    const tabId = await inPage(
      driver,
      'return page.browser.tabs.query({ active: false }).then((tabs) => tabs[0]?.id)',
    )
    await inPage(driver, 'location.search = arguments[0]', [`?tab=${tabId}`])
    const received = (body) =>
      inPage(
        driver,
        `const host = page.__leakscopeTabHost
         if (!host) return undefined
         const messages = JSON.parse(JSON.stringify(host.received))
         ${body}`,
      )
    result.live = await until('the live interval', () =>
      received(`const added = messages.filter((m) => m.type === 'batch')
          .flatMap((m) => m.batch.added)
          .map((item) => ({ kind: item.kind, name: item.name, line: item.creationStack?.[0]?.line }))
        return added.some((item) => item.name === 'poll') ? added : undefined`),
    )
    result.agent = await received(`return messages.find((m) => m.type === 'agent')`)

    // Start, a leak in the page, Stop: the report arrives in a batch.
    await inPage(
      driver,
      `page.__leakscopeTabHost.connections.at(-1).send({ type: 'record-start' })`,
    )
    await until('the recording to start', () =>
      received(
        `return messages.some((m) => m.type === 'recording' && m.state === 'started') || undefined`,
      ),
    )
    await driver.command('WebDriver:SwitchToWindow', { handle: appTab, focus: true })
    await inPage(driver, 'page.leak()')
    await driver.command('WebDriver:SwitchToWindow', { handle: panelTab, focus: true })
    await inPage(driver, `page.__leakscopeTabHost.connections.at(-1).send({ type: 'record-stop' })`)
    result.recording = await until('the recording report', () =>
      received(`const report = messages.filter((m) => m.type === 'batch')
          .flatMap((m) => m.batch.reports).find((r) => r.origin === 'agent')
        return report && report.report.tasks.map((task) => ({ kind: task.kind, name: task.name }))`),
    )

    // A navigation of the app's top frame (sender.documentId: Firefox 153).
    await driver.command('WebDriver:SwitchToWindow', { handle: appTab, focus: true })
    await driver.command('WebDriver:Navigate', { url: `${origin}/app.html?next` })
    await driver.command('WebDriver:SwitchToWindow', { handle: panelTab, focus: true })
    result.navigated = await until(
      'the navigated message',
      () => received(`return messages.find((m) => m.type === 'navigated')?.url`),
      5000,
    ).catch(() => null)
    // DevTools on the app's tab: the devtools page adds the panel, whose page must be ours.
    // (Its document lives in the extension process, out of Marionette's reach: what it renders
    // is not checked here.)
    await driver.command('WebDriver:SwitchToWindow', { handle: appTab, focus: true })
    await driver.command('Marionette:SetContext', { value: 'chrome' })
    result.devtools = await driver.command('WebDriver:ExecuteAsyncScript', {
      script: `const done = arguments[arguments.length - 1]
        const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
        ;(async () => {
          const { require } = ChromeUtils.importESModule(
            'resource://devtools/shared/loader/Loader.sys.mjs',
          )
          const { gDevTools } = require('devtools/client/framework/devtools')
          const w = Services.wm.getMostRecentWindow('navigator:browser')
          const toolbox = await gDevTools.showToolboxForTab(w.gBrowser.tabs[0])
          let tab
          for (let i = 0; i < 100 && tab === undefined; i++) {
            await sleep(100)
            tab = [...toolbox.doc.querySelectorAll('.devtools-tab')].find((t) =>
              t.textContent.includes('Leakscope'),
            )
          }
          if (tab === undefined) return done({ tab: null })
          const id = tab.id.replace(/^toolbox-tab-/, '')
          await toolbox.selectTool(id)
          const frame = toolbox.doc.getElementById('toolbox-panel-iframe-' + id)
          let browser
          for (let i = 0; i < 100; i++) {
            browser = frame?.contentDocument?.querySelector('browser')
            if (browser?.contentTitle === 'Leakscope') break
            await sleep(100)
          }
          done({ tab: tab.textContent, url: browser?.currentURI?.spec ?? null, title: browser?.contentTitle ?? null })
        })().catch((error) => done({ error: String(error) }))`,
      args: [],
      scriptTimeout: 20_000,
    })
    await driver.command('Marionette:SetContext', { value: 'content' })
    await driver.command('WebDriver:SwitchToWindow', { handle: panelTab, focus: true })
    result.errors = await received(
      `return messages.filter((m) => m.type === 'error').map((m) => m.message)`,
    )
    await driver.command('Marionette:Quit', { flags: ['eForceQuit'] }).catch(() => undefined)
    return result
  } finally {
    driver?.close()
    browser.kill()
    server.close()
    await sleep(200)
    rmSync(profile, { recursive: true, force: true })
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dist = fileURLToPath(new URL('../dist-firefox', import.meta.url))
  console.log(JSON.stringify(await smoke({ dist }), null, 2))
}
