// The setup file the plugin adds to every project (Node workers and the browser). It wraps each
// test with `aroundEach` and registers the `toLeak` matcher. Importing it by hand works too
// (`setupFiles: ['@leakscope/vitest/setup']`): without the plugin it uses the defaults.
import { aroundEach, expect, inject, recordArtifact, type RunnerTestCase } from 'vitest'
import {
  blockingAvailable,
  cancelFindings,
  checkDetectorOptions,
  findingCount,
  formatFindings,
  LeakscopeTestError,
  leakingFrames,
  reportJSON,
  runChecked,
} from './check.js'
import {
  DETECTOR_KEYS,
  PROVIDE_KEY,
  deserializeOptions,
  resolveTestConfig,
  validateShape,
  type LeakscopePluginOptions,
  type ResolvedTestConfig,
  type LeakscopeTestMeta,
} from './options.js'
import { ARTIFACT_TYPE, type LeakscopeArtifact } from './types.js'

const PLUGIN_WHERE = 'leakscope() plugin options'

let pluginOptions: LeakscopePluginOptions | undefined
let pluginError: Error | undefined

// Plugin options are checked once per worker with this platform's detectors (browser kinds
// are only known here); a bad value then fails every test with an error naming the plugin.
function readPluginOptions(): LeakscopePluginOptions {
  if (pluginOptions !== undefined) return pluginOptions
  let provided: unknown
  try {
    provided = inject(PROVIDE_KEY as never)
  } catch {
    provided = undefined
  }
  const options = deserializeOptions(provided)
  try {
    validateShape(options, PLUGIN_WHERE, false)
    for (const key of DETECTOR_KEYS) checkDetectorOptions(key, options[key], PLUGIN_WHERE)
  } catch (error) {
    pluginError = error as Error
  }
  pluginOptions = options
  return options
}

// In browsers the async context is lost across a native `await` (docs/api.md), and Vitest
// awaits between the hooks and the test body, so the browser default is `'global'`: what the
// window creates while it is open. Tests of one file run one after another unless concurrent.
const inBrowser = typeof (globalThis as { document?: unknown }).document === 'object'

function platformDefaults(config: ResolvedTestConfig): ResolvedTestConfig {
  if (!inBrowser) return config
  for (const key of ['tasks', 'workers'] as const) {
    const options = config[key].options
    if (options.attribution === undefined)
      config[key].options = { ...options, attribution: 'global' }
  }
  return config
}

function testName(task: RunnerTestCase): string {
  const names: string[] = []
  let suite = task.suite
  while (suite !== undefined && suite !== task.file && suite.name !== '') {
    names.unshift(suite.name)
    suite = suite.suite
  }
  return [...names, task.name].join(' > ')
}

function readMeta(task: RunnerTestCase, where: string): LeakscopeTestMeta | undefined {
  const meta = task.meta.leakscope
  validateShape(meta, where, true)
  if (meta !== undefined) {
    for (const key of DETECTOR_KEYS) checkDetectorOptions(key, meta[key], where)
  }
  return meta
}

// The second parameter must be destructured: Vitest reads it to decide which fixtures the hook
// needs, and `task` is built in (no fixture is set up for it).
aroundEach(async (runTest, { task }) => {
  const plugin = readPluginOptions()
  if (pluginError !== undefined) {
    await runTest()
    throw pluginError
  }
  const name = testName(task)
  const where = `meta.leakscope of test "${name}"`
  let meta: LeakscopeTestMeta | undefined
  try {
    meta = readMeta(task, where)
  } catch (error) {
    await runTest()
    throw error
  }
  const config = platformDefaults(resolveTestConfig(plugin, meta))
  if (config.skip !== undefined) return runTest()
  if (!DETECTOR_KEYS.some((key) => config[key].enabled)) return runTest()
  if (meta !== undefined) {
    // Each source was valid alone; the merge can still conflict (creationStacks against
    // enableCreationTracking), and runTest() must run whatever happens.
    try {
      for (const key of DETECTOR_KEYS) {
        if (config[key].enabled) {
          checkDetectorOptions(key, config[key].options, `${where} merged with the plugin options`)
        }
      }
    } catch (error) {
      await runTest()
      throw error
    }
  }

  // The window: runTest() runs beforeEach hooks, the test, afterEach hooks, beforeEach
  // cleanups, the teardown of test-scoped fixtures and onTestFinished/onTestFailed callbacks.
  // Only what that window creates (Node: in the test's own async context) and leaves pending
  // is reported.
  const { findings } = await runChecked(config, runTest, where)
  if (findingCount(findings) === 0) return

  const message = formatFindings(findings)
  const report = reportJSON(findings, name, task.file.name, config.action)
  const artifact: LeakscopeArtifact = {
    type: ARTIFACT_TYPE,
    message,
    report,
    attachments: [
      {
        contentType: 'application/json',
        body: JSON.stringify(report, null, 2),
        bodyEncoding: 'utf-8',
      },
    ],
  }
  await recordArtifact(task, artifact)
  if (config.action === 'throw') throw new LeakscopeTestError(message, leakingFrames(findings))
  if (config.action === 'cancel') {
    cancelFindings(findings)
    console.warn(`${message}\n\n(cancelled by leakscope)`)
  } else {
    console.warn(message)
  }
})

expect.extend({
  async toLeak(received: unknown, options?: LeakscopeTestMeta) {
    if (typeof received !== 'function') {
      throw new TypeError(
        `@leakscope/vitest: toLeak() expects a function to run, got ${typeof received}`,
      )
    }
    const where = 'toLeak() option'
    validateShape(options, where, true)
    if (options !== undefined) {
      for (const key of DETECTOR_KEYS) checkDetectorOptions(key, options[key], where)
    }
    const config = platformDefaults(resolveTestConfig(readPluginOptions(), options))
    const outcome = await runChecked(config, received as () => unknown, where)
    // What the matcher found is stopped, so the surrounding test's own check stays clean.
    cancelFindings(outcome.findings)
    if (outcome.bodyFailed) throw outcome.bodyError
    const pass = findingCount(outcome.findings) > 0
    return {
      pass,
      message: () =>
        pass
          ? `expected the function not to leak, but it did:\n\n${formatFindings(outcome.findings)}`
          : 'expected the function to leak, but it left nothing pending',
    }
  },
})

/** For tests of this package: whether the blocking detector was wired in. */
export const blockingWired: boolean = blockingAvailable
