// Firefox build only (build.mjs --firefox aliases `platform.js` to this file): the `browser`
// namespace through webextension-polyfill. On Firefox the polyfill returns the native `browser`
// object (promises everywhere, including `runtime.sendMessage` and `tabs.sendMessage`), so the
// code that chains `.then` on those calls does not depend on Firefox's `chrome.*` alias. Its
// surface is typed as Chrome's: the code uses only the part both browsers share, and
// feature-detects the rest (see hosts/devtools-host.ts).
import browser from 'webextension-polyfill'

export const ext = browser as unknown as typeof chrome
