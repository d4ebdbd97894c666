// End-to-end tests: the playground served by the tests' own worker fixture (tests/fixtures.ts),
// Debian's Chromium (`CHROMIUM_PATH` overrides it; nothing is downloaded).
import { defineConfig } from '@playwright/test'

export default defineConfig({
  testDir: 'tests',
  testMatch: '*.spec.ts',
  outputDir: '../test-results/e2e',
  workers: 1,
  forbidOnly: true,
  reporter: 'list',
  timeout: 30_000,
  use: {
    headless: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      // A fake camera, granted without a prompt, for the /camera route.
      args: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
    },
  },
})
