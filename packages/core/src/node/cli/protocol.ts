// What the preloaded program hands back to the CLI: the report model plus how the run ended.
import type { EventLoopBlockData, LeakedTaskData, LeakedWorkerData } from '../../shared/model.js'
import { REPORT_MODEL_VERSION } from '../../shared/model.js'

/** Environment variable carrying the preload's configuration (JSON). */
export const CONFIG_ENV = 'LEAKSCOPE_RUN_CONFIG'
/** Signal the CLI sends when `--timeout` expires. */
export const REPORT_SIGNAL = 'SIGUSR2'

export interface PreloadConfig {
  reportFile: string
  /**
   * A pipe the preload writes one byte to, then closes, once the detectors are armed and the
   * program is about to start: `--timeout` counts from there, not from a loaded machine's
   * slow process start.
   */
  readyFd: number
  threshold: number
  tasks: boolean
  workers: boolean
  blocking: boolean
}

export type RunEnd = 'exited' | 'timeout' | 'interrupted' | 'process.exit'

export interface RunReport {
  version: typeof REPORT_MODEL_VERSION
  script: string
  args: string[]
  end: RunEnd
  exitCode: number | null
  signal: string | null
  tasks: LeakedTaskData[]
  workers: LeakedWorkerData[]
  blocks: EventLoopBlockData[]
  /** Why part of the report could not be taken. */
  notes: string[]
}
