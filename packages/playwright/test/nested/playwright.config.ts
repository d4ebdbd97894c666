// The fixture project option.spec.ts runs in a child Playwright process: its tests are meant to
// fail (that is what the `leakscope` option does), so they cannot run in the main suite.
import { defineConfig } from '@playwright/test'

export default defineConfig({
  testDir: '.',
  testMatch: '*.nested.ts',
  outputDir: '../../../../test-results/playwright-nested',
  workers: 1,
  retries: 0,
  reporter: 'json',
  timeout: 15_000,
  use: {
    headless: true,
    launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' },
  },
})
