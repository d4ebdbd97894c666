// The extension API namespace the extension's own code calls (`ext.runtime`, `ext.tabs`...). In
// the Chrome build it is `chrome` itself. The Firefox build (`build.mjs --firefox`) swaps this
// module for `platform-firefox.ts`, which is the `browser` namespace from webextension-polyfill
// (on Firefox, the native promise-based one). The MAIN-world shim never touches either.
export const ext: typeof chrome = chrome
