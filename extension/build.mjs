// Builds the unpacked extension into extension/dist/ and zips it (extension/leakscope-extension.zip).
// With `--firefox`: extension/dist-firefox/ and extension/leakscope-extension-firefox.zip, the
// same scripts built for Firefox 128 with `platform.js` swapped for `platform-firefox.ts` (the
// `browser` namespace from webextension-polyfill, bundled), `devtools/panel-path.js` for its
// `-firefox.ts` twin, and the manifest of manifest-firefox.mjs.
// Content scripts cannot import anything (MAIN-world scripts are classic scripts), so each one is
// its own self-contained IIFE; the service worker is one ES module; the DevTools and panel pages
// are a normal Vite HTML build. The agent is the core's IIFE, copied as is: run the root
// `npm run build` first (the root `npm run build:extension` does both).
import {
  copyFileSync,
  existsSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { crc32, deflateRawSync } from 'node:zlib'
import { Buffer } from 'node:buffer'
import { build } from 'vite'
import { firefoxManifest } from './manifest-firefox.mjs'

const here = (path) => fileURLToPath(new URL(path, import.meta.url))
const src = here('./src')
const firefox = process.argv.includes('--firefox')
const dist = here(firefox ? './dist-firefox' : './dist')
const agentPath = here('../packages/core/dist/agent/leakscope-agent.iife.js')

if (!existsSync(agentPath)) {
  console.error(`build:extension: ${agentPath} is missing; run \`npm run build\` at the root first`)
  process.exit(1)
}

const common = {
  configFile: false,
  logLevel: 'warn',
  publicDir: false,
  ...(firefox
    ? {
        resolve: {
          alias: [
            { find: /^(?:\.\.?\/)+platform\.js$/, replacement: join(src, 'platform-firefox.ts') },
            {
              find: /^\.\/panel-path\.js$/,
              replacement: join(src, 'devtools/panel-path-firefox.ts'),
            },
          ],
        },
      }
    : {}),
}
const target = firefox ? 'firefox128' : 'chrome123'

rmSync(dist, { recursive: true, force: true })

// One self-contained file per script that runs outside the extension's pages.
const scripts = [
  { entry: 'content/shim.ts', file: 'shim.js', format: 'iife' },
  { entry: 'content/relay.ts', file: 'relay.js', format: 'iife' },
  { entry: 'background/worker.ts', file: 'worker.js', format: 'es' },
]
for (const { entry, file, format } of scripts) {
  await build({
    ...common,
    build: {
      outDir: dist,
      emptyOutDir: false,
      target,
      minify: false,
      sourcemap: false,
      copyPublicDir: false,
      lib: {
        entry: join(src, entry),
        formats: [format],
        name: '__leakscopeExt',
        fileName: () => file,
      },
    },
  })
}

// The extension pages (no inline scripts: the default MV3 CSP forbids them).
await build({
  ...common,
  root: src,
  base: './',
  build: {
    outDir: dist,
    emptyOutDir: false,
    target,
    minify: false,
    sourcemap: false,
    modulePreload: { polyfill: false },
    rolldownOptions: {
      input: {
        panel: join(src, 'panel/panel.html'),
        devtools: join(src, 'devtools/devtools.html'),
      },
    },
  },
})

copyFileSync(agentPath, join(dist, 'agent.js'))
const chromeManifest = JSON.parse(readFileSync(join(src, 'manifest.json'), 'utf8'))
const manifest = firefox ? firefoxManifest(chromeManifest) : chromeManifest
manifest.version = JSON.parse(readFileSync(here('./package.json'), 'utf8')).version
writeFileSync(join(dist, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`)

const zipPath = here(firefox ? './leakscope-extension-firefox.zip' : './leakscope-extension.zip')
writeFileSync(zipPath, zip(dist))
console.log(
  `build:extension: ${relative(process.cwd(), dist)}/ and ${relative(process.cwd(), zipPath)}`,
)

/** A plain deflate zip of a folder (what the Chrome Web Store and `chrome://extensions` take). */
function zip(root) {
  const files = []
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name)
      if (statSync(path).isDirectory()) walk(path)
      else files.push(path)
    }
  }
  walk(root)
  const locals = []
  const centrals = []
  let offset = 0
  for (const path of files) {
    const name = Buffer.from(relative(root, path).split(sep).join('/'))
    const data = readFileSync(path)
    const packed = deflateRawSync(data)
    const crc = crc32(data)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(0, 6)
    local.writeUInt16LE(8, 8)
    local.writeUInt32LE(0, 10) // time and date: fixed, so the zip is reproducible
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(packed.length, 18)
    local.writeUInt32LE(data.length, 22)
    local.writeUInt16LE(name.length, 26)
    local.writeUInt16LE(0, 28)
    locals.push(local, name, packed)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE(20, 4)
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(0, 8)
    central.writeUInt16LE(8, 10)
    central.writeUInt32LE(0, 12)
    central.writeUInt32LE(crc, 16)
    central.writeUInt32LE(packed.length, 20)
    central.writeUInt32LE(data.length, 24)
    central.writeUInt16LE(name.length, 28)
    central.writeUInt32LE(offset, 42)
    centrals.push(central, name)
    offset += local.length + name.length + packed.length
  }
  const centralSize = centrals.reduce((sum, part) => sum + part.length, 0)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(files.length, 8)
  end.writeUInt16LE(files.length, 10)
  end.writeUInt32LE(centralSize, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, ...centrals, end])
}
