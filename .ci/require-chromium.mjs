// Finds the Chromium that Playwright / Vitest browser mode drive (no browser is downloaded).
// CHROMIUM_PATH overrides the default /usr/bin/chromium. Configs reuse the same rule:
//   process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
import { accessSync, constants } from 'node:fs'
import { pathToFileURL } from 'node:url'

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export function findChromium() {
  try {
    accessSync(chromiumPath, constants.X_OK)
    return chromiumPath
  } catch {
    return undefined
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (findChromium() === undefined) {
    const bar = '!'.repeat(78)
    console.error(
      [
        bar,
        `Chromium not found at ${chromiumPath}${process.env.CHROMIUM_PATH ? ' (from CHROMIUM_PATH)' : ''}.`,
        'Browser tests drive the system Chromium; browsers are never downloaded.',
        'Install it (Debian):  apt-get update && apt-get install -y chromium',
        'or point CHROMIUM_PATH at an existing Chromium/Chrome executable.',
        bar,
      ].join('\n'),
    )
    process.exit(1)
  }
  console.log(`Chromium: ${chromiumPath}`)
}
