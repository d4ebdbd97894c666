// End-of-run summary (Node side): lists every test that leaked, whatever the action, and the
// tests that opted out with their reasons. Added by the plugin's `configureVitest` hook.
import type { Reporter, TestModule, Vitest } from 'vitest/node'
import { ARTIFACT_TYPE, type LeakscopeArtifact } from './types.js'

interface Line {
  file: string
  test: string
  text: string
}

export class LeakscopeSummaryReporter implements Reporter {
  #vitest: Vitest | undefined

  onInit(vitest: Vitest): void {
    this.#vitest = vitest
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const leaked: Line[] = []
    const optedOut: Line[] = []
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const file = module.relativeModuleId
        const name = test.fullName
        for (const artifact of test.artifacts()) {
          if (artifact.type !== ARTIFACT_TYPE) continue
          const { report } = artifact as LeakscopeArtifact
          const outcome = report.action === 'throw' ? 'failed' : report.action
          leaked.push({ file, test: name, text: `${report.summary.join(', ')} (${outcome})` })
        }
        const skip = test.meta().leakscope?.skip
        if (typeof skip === 'string') optedOut.push({ file, test: name, text: skip })
      }
    }
    if (leaked.length === 0 && optedOut.length === 0) return
    const lines = ['', 'leakscope summary']
    if (leaked.length > 0) {
      lines.push(`  ${leaked.length} test${leaked.length === 1 ? '' : 's'} leaked:`)
      for (const line of leaked) lines.push(`    ${line.file} > ${line.test}: ${line.text}`)
    } else {
      lines.push('  no test leaked')
    }
    if (optedOut.length > 0) {
      lines.push(`  ${optedOut.length} opted out:`)
      for (const line of optedOut) lines.push(`    ${line.file} > ${line.test}: ${line.text}`)
    }
    const log = this.#vitest?.logger
    if (log !== undefined) log.log(lines.join('\n'))
    else console.log(lines.join('\n'))
  }
}
