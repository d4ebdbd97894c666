// Bundles the setup file (the part of the plugin that runs in every test file: ./setup, ./check,
// ./options, ./types) into one module over the per-file output of `tsc -b`. Vitest loads it
// into every test file: a fresh Node process per file, a fresh page per file in browser mode,
// where each module is another request to Vite's server. `vitest` and `leakscope` stay imports.
// Run by the root `npm run build` after `tsc -b`.
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const here = (path) => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig({
  configFile: false,
  logLevel: 'error',
  build: {
    ssr: true,
    outDir: here('./dist'),
    emptyOutDir: false,
    minify: false,
    sourcemap: true,
    target: 'es2022',
    copyPublicDir: false,
    rolldownOptions: {
      input: { setup: here('./src/setup.ts') },
      external: [/^node:/, 'vitest', 'leakscope'],
      preserveEntrySignatures: 'strict',
      output: { format: 'es', entryFileNames: '[name].js', sourcemapExcludeSources: true },
    },
  },
})
