/**
 * Entry point for the `default` export condition: reached only when the runtime or bundler
 * matched neither `node` nor `browser`.
 */
throw new Error(
  'leakscope: unsupported environment. leakscope needs Node.js >=20.19 (resolved through the ' +
    '`node` export condition) or a browser bundler that resolves the `browser` export condition ' +
    '(Vite, webpack, esbuild with platform "browser", Vitest browser mode).',
)

export {}
