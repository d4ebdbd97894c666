// Builds the injectable agent: one self-contained IIFE, no imports, at
// dist/agent/leakscope-agent.iife.js. Run by the root `npm run build` after `tsc -b`.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const here = (path) => fileURLToPath(new URL(path, import.meta.url))
const { version } = JSON.parse(readFileSync(here('./package.json'), 'utf8'))
// Every frame of the agent carries this URL, so creation stacks can drop them (platform.ts keeps
// frames outside the file `import.meta.url` names, or its dist/ when unbundled).
const AGENT_URL = 'leakscope://agent/browser/leakscope-agent.js'

export default defineConfig({
  configFile: false,
  logLevel: 'error',
  define: {
    __LEAKSCOPE_VERSION__: JSON.stringify(version),
    'import.meta.url': JSON.stringify(AGENT_URL),
  },
  build: {
    outDir: here('./dist/agent'),
    emptyOutDir: false,
    minify: false,
    sourcemap: false,
    target: 'es2022',
    copyPublicDir: false,
    lib: {
      entry: here('./src/agent/agent.ts'),
      formats: ['iife'],
      name: '__leakscopeAgentBundle',
      fileName: () => 'leakscope-agent.iife.js',
    },
    rolldownOptions: {
      output: {
        // Installs once per realm: a second evaluation returns before capturing anything.
        banner: `;(function () {\nif (globalThis.__LEAKSCOPE_AGENT__ !== undefined) return;`,
        footer: `})();\n//# sourceURL=${AGENT_URL}`,
      },
    },
  },
})
