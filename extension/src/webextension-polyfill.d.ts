// webextension-polyfill ships no types; only platform-firefox.ts imports it.
declare module 'webextension-polyfill' {
  const browser: unknown
  export default browser
}
