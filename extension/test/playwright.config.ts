import { defineConfig } from '@playwright/test'

// Every spec launches its own Chromium with the unpacked extension (fixtures.ts).
export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  outputDir: '../../test-results/extension',
  workers: 1,
  forbidOnly: true,
  reporter: 'list',
  timeout: 30_000,
})
