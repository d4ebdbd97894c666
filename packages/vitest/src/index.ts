// `@leakscope/vitest`: a Vite plugin that checks every Vitest test for leaks (Node mode and
// browser mode). The checking itself runs in the test runtime (./setup.js); this module runs in
// the Vitest process.
import { fileURLToPath } from 'node:url'
import type { Plugin } from 'vitest/config'
import type { Vitest } from 'vitest/node'
import { checkDetectorOptions } from './check.js'
import {
  DETECTOR_KEYS,
  PROVIDE_KEY,
  serializeOptions,
  validateShape,
  type LeakscopePluginOptions,
} from './options.js'
import { LeakscopeSummaryReporter } from './reporter.js'
import './types.js'

export type {
  LeakscopeAction,
  LeakscopePluginOptions,
  LeakscopeTestMeta,
  VitestBlockingOptions,
  VitestTaskOptions,
  VitestWorkerOptions,
} from './options.js'
export type { LeakscopeReportJSON } from './check.js'
export type { LeakscopeArtifact } from './types.js'
export { ARTIFACT_TYPE } from './types.js'
export { LeakscopeSummaryReporter } from './reporter.js'

/** Absolute path of the setup file the plugin adds to `test.setupFiles`. */
export const setupFile: string = fileURLToPath(new URL('./setup.js', import.meta.url))

const WHERE = 'leakscope() plugin options'
const summaryAdded = new WeakSet<Vitest>()

// Detector options are checked here with the Node build, so a typo fails the run at once.
// `kinds` is left to the test runtime, which knows its platform's kinds (browser or Node).
function checkWithNodeDetectors(options: LeakscopePluginOptions): void {
  for (const key of DETECTOR_KEYS) {
    const value = options[key]
    if (typeof value !== 'object') continue
    const { kinds: _kinds, ...rest } = value as Record<string, unknown>
    checkDetectorOptions(key, key === 'tasks' ? rest : value, WHERE)
  }
}

/**
 * The Vite plugin. Add it to `plugins` in `vitest.config.ts` (or in one project's config):
 * it adds a setup file that wraps every test with the chosen detectors, passes the options to
 * the test runtime, and prints an end-of-run summary of the tests that leaked.
 *
 * Defaults: `tasks: true`, `workers: true`, `blocking: false`, `action: 'throw'`. Per-test
 * `meta.leakscope` wins over these options, field by field.
 */
export function leakscope(options: LeakscopePluginOptions = {}): Plugin {
  validateShape(options, WHERE, false)
  checkWithNodeDetectors(options)
  const provided = serializeOptions(options)
  return {
    name: '@leakscope/vitest',
    config(user) {
      const browser = (user as { test?: { browser?: { enabled?: unknown } } }).test?.browser
      return {
        // In browser mode every test file loads the setup file into a fresh page: leakscope's
        // browser build pre-bundled (one module instead of ~30) costs a test file ~22 ms instead
        // of ~54 here. Named through this package, so it resolves wherever leakscope is installed.
        ...(browser?.enabled === true
          ? { optimizeDeps: { include: ['@leakscope/vitest > leakscope'] } }
          : {}),
        test: {
          setupFiles: [setupFile],
          provide: { [PROVIDE_KEY]: provided },
        },
      }
    },
    configureVitest({ vitest }) {
      if (summaryAdded.has(vitest)) return
      summaryAdded.add(vitest)
      // Reporters are created from the resolved config right after this hook.
      vitest.config.reporters.push(new LeakscopeSummaryReporter() as never)
    },
  }
}

export default leakscope
