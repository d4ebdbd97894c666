interface MaybeBrowserGlobal {
  document?: unknown
  WorkerGlobalScope?: unknown
  process?: { versions?: { node?: unknown } }
}

/**
 * Throws when the browser build is evaluated outside a browser window or web worker (most
 * often: in Node.js with the `browser` export condition forced). Called by natives.ts, the first
 * browser module to touch globals, so the failure is this message and not an obscure
 * TypeError; a side-effect-only import could be dropped by bundlers (`"sideEffects": false`).
 */
export function assertBrowserEnvironment(): void {
  const g = globalThis as unknown as MaybeBrowserGlobal
  const noDocument = g.document === undefined
  const isNode = typeof g.process?.versions?.node === 'string'
  if (noDocument && (g.WorkerGlobalScope === undefined || isNode)) {
    throw new Error(
      "leakscope: the browser build of leakscope (dist/browser) was loaded outside a browser or web worker (there is no `document` and no `WorkerGlobalScope`). In Node.js, import 'leakscope' through the `node` export condition, which Node.js, Vitest's node mode and Vite SSR use by default: do not force the `browser` condition (for example `resolve.conditions: ['browser']`) and do not import dist/browser directly.",
    )
  }
}
