import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { playwright } from '@vitest/browser-playwright'
import { defineConfig } from 'vitest/config'

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

// Tests import the built package ('leakscope' through the workspace symlink), not src/.
const builtEntry = fileURLToPath(new URL('./packages/core/dist/node/index.js', import.meta.url))
if (!existsSync(builtEntry)) {
  throw new Error(`leakscope is not built (${builtEntry} is missing): run \`npm run build\` first.`)
}

export default defineConfig({
  test: {
    projects: [
      {
        // Vite's server (SSR) resolution conditions include `node`, so 'leakscope' -> dist/node.
        // test/node/smoke.test.ts pins this.
        test: {
          name: 'core-node',
          include: ['packages/core/test/node/**/*.test.ts'],
          environment: 'node',
          pool: 'forks',
          testTimeout: 20_000,
          setupFiles: ['./.ci/node-version.setup.mjs'],
        },
      },
      {
        // @leakscope/vitest: runs the real Vitest CLI on fixture projects (Node and Chromium).
        test: {
          name: 'vitest-plugin',
          include: ['packages/vitest/test/**/*.test.ts'],
          exclude: ['packages/vitest/test/fixtures/**'],
          environment: 'node',
          pool: 'forks',
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      {
        // Vite's client resolution conditions include `browser`, so 'leakscope' -> dist/browser.
        // test/browser/smoke.test.ts pins this.
        test: {
          name: 'core-browser',
          include: ['packages/core/test/browser/**/*.test.ts'],
          browser: {
            enabled: true,
            headless: true,
            // --expose-gc: test/browser/gc.test.ts forces collections. The fake media flags give
            // test/browser/media.test.ts a camera and microphone, granted without a prompt.
            provider: playwright({
              launchOptions: {
                executablePath: chromiumPath,
                args: [
                  '--js-flags=--expose-gc',
                  '--use-fake-device-for-media-stream',
                  '--use-fake-ui-for-media-stream',
                ],
              },
            }),
            instances: [{ browser: 'chromium' }],
            // Failure screenshots go to the git-ignored test-results/, not next to the tests.
            screenshotDirectory: 'test-results/vitest-screenshots',
          },
        },
      },
    ],
  },
})
