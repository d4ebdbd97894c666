// The Firefox build, checked without Firefox (none can be installed here): the manifest
// transformation, the built extension/dist-firefox/ and its zip, and Mozilla's addons-linter
// (what `web-ext lint` and addons.mozilla.org run) on both, which must report no error.
// Run by `npm run test:extension` after `build.mjs --firefox`; plain node:test, no browser.
import assert from 'node:assert/strict'
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import vm from 'node:vm'
import { fileURLToPath } from 'node:url'
import linter from 'addons-linter'
import {
  CHROME_ONLY_KEYS,
  FIREFOX_MIN_VERSION,
  GECKO_ID,
  firefoxManifest,
} from '../manifest-firefox.mjs'
import { findFirefox, smoke } from './firefox-smoke.mjs'

const here = (path) => fileURLToPath(new URL(path, import.meta.url))
const dist = here('../dist-firefox')
const zipPath = here('../leakscope-extension-firefox.zip')
const chromeManifest = JSON.parse(readFileSync(here('../src/manifest.json'), 'utf8'))

/**
 * The only warnings accepted: `data_collection_permissions` (required by addons.mozilla.org for
 * new add-ons) is newer than Firefox 128 (140, Android 142). Older versions ignore the key.
 */
const ACCEPTED_WARNINGS = new Set([
  'KEY_FIREFOX_UNSUPPORTED_BY_MIN_VERSION',
  'KEY_FIREFOX_ANDROID_UNSUPPORTED_BY_MIN_VERSION',
])

function assertFirefoxManifest(manifest) {
  assert.equal(manifest.manifest_version, 3)
  assert.deepEqual(manifest.background, { scripts: ['worker.js'], type: 'module' })
  assert.equal(manifest.browser_specific_settings?.gecko?.id, GECKO_ID)
  assert.equal(manifest.browser_specific_settings.gecko.strict_min_version, FIREFOX_MIN_VERSION)
  assert.equal(FIREFOX_MIN_VERSION, '128.0')
  for (const key of CHROME_ONLY_KEYS) assert.equal(key in manifest, false, key)
  assert.equal('service_worker' in manifest.background, false)
  assert.equal(manifest.devtools_page, chromeManifest.devtools_page)
  assert.deepEqual(manifest.content_scripts, chromeManifest.content_scripts)
  assert.equal(manifest.permissions, undefined, 'no API permissions')
  assert.equal(manifest.host_permissions, undefined)
}

async function lint(path) {
  const instance = linter.createInstance({
    config: {
      _: [path],
      logLevel: 'fatal',
      stack: false,
      pretty: false,
      warningsAsErrors: false,
      metadata: false,
      output: 'none',
      boring: true,
      selfHosted: false,
      privileged: false,
    },
    runAsBinary: false,
  })
  return instance.run()
}

function describe(messages) {
  return messages.map((m) => `${m.code} ${m.file ?? ''}: ${m.message}`).join('\n')
}

test('firefoxManifest turns the Chrome manifest into a Firefox MV3 one, without touching it', () => {
  const before = structuredClone(chromeManifest)
  const manifest = firefoxManifest(chromeManifest)
  assert.deepEqual(chromeManifest, before)
  assertFirefoxManifest(manifest)
  // The Chrome manifest keeps its Chrome keys (the Chrome build is unchanged).
  assert.deepEqual(chromeManifest.background, { service_worker: 'worker.js', type: 'module' })
  assert.equal(chromeManifest.minimum_chrome_version, '123')
})

test('extension/dist-firefox holds the Firefox manifest and every file it names', () => {
  assert.ok(existsSync(dist), 'run `npm run build:extension:firefox` first')
  const manifest = JSON.parse(readFileSync(join(dist, 'manifest.json'), 'utf8'))
  assertFirefoxManifest(manifest)
  assert.equal(manifest.version, JSON.parse(readFileSync(here('../package.json'), 'utf8')).version)
  const files = [
    ...manifest.background.scripts,
    ...manifest.content_scripts.flatMap((script) => script.js),
    manifest.devtools_page,
    'panel/panel.html',
  ]
  for (const file of files) assert.ok(existsSync(join(dist, file)), file)
  assert.ok(existsSync(zipPath))
})

test('webextension-polyfill is bundled where the extension API is called, not in the page world', () => {
  const read = (file) => readFileSync(join(dist, file), 'utf8')
  // The polyfill's own guard: it wraps `chrome` only where no native `browser` exists.
  const marker = 'This script should only be loaded in a browser extension.'
  assert.ok(read('worker.js').includes(marker), 'worker.js')
  assert.ok(read('relay.js').includes(marker), 'relay.js')
  assert.equal(read('shim.js').includes(marker), false, 'the MAIN-world shim has no extension API')
  const panelHtml = read('panel/panel.html')
  const panelScript = /src="\.\.\/(assets\/panel-[^"]+\.js)"/.exec(panelHtml)?.[1]
  assert.ok(panelScript !== undefined, 'panel script')
  assert.ok(read(panelScript).includes(marker), panelScript)
})

test('the Firefox relay calls the native `browser` namespace (the polyfill passes it through)', async () => {
  // A content script in Firefox sees both `chrome` and `browser`; only the calls are recorded.
  const calls = []
  const namespace = (name) => ({
    runtime: {
      id: GECKO_ID,
      connect: () => {
        throw new Error('not connected in this check')
      },
      sendMessage: (message) => {
        calls.push(`${name}.runtime.sendMessage ${message.type}`)
        return Promise.resolve({ attached: false })
      },
      onMessage: { addListener: () => calls.push(`${name}.runtime.onMessage`) },
    },
  })
  const context = {
    location: { origin: 'http://127.0.0.1' },
    addEventListener: () => {},
    postMessage: () => {},
    performance,
    setTimeout,
    clearTimeout,
    chrome: namespace('chrome'),
    browser: namespace('browser'),
  }
  context.globalThis = context
  context.window = context
  vm.createContext(context)
  vm.runInContext(readFileSync(join(dist, 'relay.js'), 'utf8'), context)
  await new Promise((resolve) => setTimeout(resolve, 0))
  assert.deepEqual(calls, ['browser.runtime.onMessage', 'browser.runtime.sendMessage relay-query'])
})

for (const [name, path] of [
  ['extension/dist-firefox', dist],
  ['leakscope-extension-firefox.zip', zipPath],
]) {
  test(`addons-linter finds no error in ${name}`, async () => {
    const result = await lint(path)
    assert.equal(result.errors.length, 0, describe(result.errors))
    const unexpected = result.warnings.filter((w) => !ACCEPTED_WARNINGS.has(w.code))
    assert.equal(unexpected.length, 0, describe(unexpected))
    console.log(
      `addons-linter ${name}: ${result.errors.length} errors, ${result.warnings.length} warnings, ${result.notices.length} notices`,
    )
  })
}

test('addons-linter does report errors (a broken copy of the build fails)', async () => {
  const copy = mkdtempSync(join(tmpdir(), 'leakscope-firefox-'))
  try {
    cpSync(dist, copy, { recursive: true })
    const manifest = JSON.parse(readFileSync(join(copy, 'manifest.json'), 'utf8'))
    manifest.browser_specific_settings.gecko.id = 'not an add-on id'
    manifest.background = { service_worker: 'worker.js' }
    writeFileSync(join(copy, 'manifest.json'), JSON.stringify(manifest))
    const result = await lint(copy)
    assert.ok(result.errors.length > 0, 'the linter took a broken manifest')
  } finally {
    rmSync(copy, { recursive: true, force: true })
  }
})

const firefox = findFirefox()
test(
  'in a real Firefox: the add-on installs; live items, a recording and a navigation reach the panel page; DevTools shows the panel',
  {
    skip:
      firefox === undefined
        ? 'no Firefox here (apt-get install firefox-esr, or FIREFOX_PATH)'
        : false,
    timeout: 90_000,
  },
  async () => {
    const result = await smoke({ dist, firefox })
    console.log(`firefox smoke: Firefox ${result.version}`)
    assert.equal(result.installed, GECKO_ID)
    assert.equal(result.agentProtocol, 2, 'the MAIN-world agent runs in the page')
    assert.equal(result.agent.compatible, true)
    assert.deepEqual(result.live, [{ kind: 'interval', name: 'poll', line: 2 }])
    assert.deepEqual(result.recording, [{ kind: 'interval', name: 'leaked' }])
    // `navigated` needs sender.documentId (Firefox 153); older versions get no such message.
    if (Number.parseInt(result.version, 10) >= 153)
      assert.match(result.navigated, /\/app\.html\?next$/)
    assert.deepEqual(result.devtools, {
      tab: 'Leakscope',
      url: `moz-extension://${result.uuid}/panel/panel.html`,
      title: 'Leakscope',
    })
    assert.deepEqual(result.errors, [])
  },
)
