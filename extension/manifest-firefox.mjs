// The Firefox (MV3) manifest, derived from the Chrome one (src/manifest.json) by build.mjs
// --firefox. Firefox runs event pages, not service workers: `background.scripts` instead of
// `service_worker` (still an ES module). Static content scripts in the MAIN world need Firefox
// 128 (`world` and `match_origin_as_fallback` are both 128 in MDN's compatibility data), which
// is the minimum here. `minimum_chrome_version` means nothing to Firefox.

/** The add-on id Firefox needs for an MV3 add-on (storage, messaging across restarts). */
export const GECKO_ID = 'leakscope-devtools@leakscope'
export const FIREFOX_MIN_VERSION = '128.0'

/** Keys of the Chrome manifest Firefox does not take (dropped from the Firefox build). */
export const CHROME_ONLY_KEYS = ['minimum_chrome_version', 'key', 'update_url']

/** A new manifest object for Firefox; `chrome` is not modified. */
export function firefoxManifest(chrome) {
  const manifest = structuredClone(chrome)
  for (const key of CHROME_ONLY_KEYS) delete manifest[key]
  const { service_worker: worker, type } = manifest.background ?? {}
  if (worker !== undefined) {
    manifest.background = { scripts: [worker], ...(type === undefined ? {} : { type }) }
  }
  manifest.browser_specific_settings = {
    gecko: {
      id: GECKO_ID,
      strict_min_version: FIREFOX_MIN_VERSION,
      // Nothing leaves the browser: the extension has no server and asks for no permission.
      data_collection_permissions: { required: ['none'] },
    },
  }
  return manifest
}
