// Module augmentation: typed `meta.leakscope`, the `toLeak` matcher, the provided options and
// the recorded artifact. (`import type {} from 'vitest'` keeps the augmentation from being
// dropped.)
import type {} from 'vitest'
import type { TestArtifactBase } from 'vitest'
import type { LeakscopeReportJSON } from './check.js'
import type { LeakscopeTestMeta, Serialized } from './options.js'

export const ARTIFACT_TYPE = 'leakscope:report'

/** Recorded with every test that leaked (`recordArtifact`), in every action mode. */
export interface LeakscopeArtifact extends TestArtifactBase {
  type: typeof ARTIFACT_TYPE
  /** The readable report. */
  message: string
  /** The JSON report (also attached as `leakscope-report.json`). */
  report: LeakscopeReportJSON
}

declare module 'vitest' {
  interface TaskMeta {
    /** leakscope per-test settings: field by field, these win over the plugin's options. */
    leakscope?: LeakscopeTestMeta
  }
  interface ProvidedContext {
    '@leakscope/vitest': Serialized
  }
  interface TestArtifactRegistry {
    '@leakscope/vitest': LeakscopeArtifact
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- must match Vitest's declaration
  interface Matchers<T = any> {
    /**
     * Runs the function under leakscope's detectors (the plugin's options, overridden by
     * `options`) and passes when it leaves something pending. What it finds is stopped.
     * Use `await expect(async () => { … }).not.toLeak()`.
     */
    toLeak(options?: LeakscopeTestMeta): Promise<T>
  }
}
