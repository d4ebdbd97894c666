// Bundles the Node.js entry into one module, over the per-file output of `tsc -b`: loading ~25
// modules cost a fresh process ~16 ms more than one file (Vitest starts one per test file).
// Writes dist/node/index.js (what the package's `node` condition points at) and the CLI's
// preload, which imports the same index.js so a program run by `leakscope run` that imports
// leakscope too shares one instance. Run by the root `npm run build` after `tsc -b`.
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const here = (path) => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig({
  configFile: false,
  logLevel: 'error',
  plugins: [
    {
      // The preload's import of the entry stays an import of dist/node/index.js, as written:
      // one bundle, no shared chunk.
      name: 'leakscope-preload-imports-entry',
      enforce: 'pre',
      resolveId(source, importer) {
        if (source === '../index.js' && importer?.replaceAll('\\', '/').endsWith('/cli/preload.ts'))
          return { id: source, external: 'absolute' }
        return null
      },
    },
  ],
  build: {
    ssr: true,
    outDir: here('./dist'),
    emptyOutDir: false,
    minify: false,
    // Maps to src/ like tsc's own maps, so Vitest shows (and platform.ts recognises) src frames.
    sourcemap: true,
    target: 'node20',
    copyPublicDir: false,
    rolldownOptions: {
      input: {
        'node/index': here('./src/node/index.ts'),
        'node/cli/preload': here('./src/node/cli/preload.ts'),
      },
      external: [/^node:/],
      preserveEntrySignatures: 'strict',
      output: { format: 'es', entryFileNames: '[name].js', sourcemapExcludeSources: true },
    },
  },
})
