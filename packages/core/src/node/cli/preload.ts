// Loaded with `node --import` by `leakscope run`: opens the detectors for the whole program
// and writes the report file when the program ends, is interrupted, or the CLI's --timeout asks.
import { closeSync, writeFileSync, writeSync } from 'node:fs'
// Through the public entry: the bundle (vite.node.config.mjs) makes this the very module a
// program importing leakscope gets, so both share one set of hooks and patches.
import {
  noEventLoopBlocking,
  noTaskLeaks,
  noWorkerLeaks,
  REPORT_MODEL_VERSION,
  type EventLoopBlock,
  type LeakedTask,
  type LeakedWorker,
} from '../index.js'
import {
  CONFIG_ENV,
  REPORT_SIGNAL,
  type PreloadConfig,
  type RunEnd,
  type RunReport,
} from './protocol.js'

const silent = { action: 'log', logger: { warn(): void {} } } as const

function readConfig(): PreloadConfig | undefined {
  const text = process.env[CONFIG_ENV]
  // The program's own child processes must not report into the same file.
  delete process.env[CONFIG_ENV]
  if (text === undefined) return undefined
  return JSON.parse(text) as PreloadConfig
}

const config = readConfig()
// Top-level await holds the program back until the blocking watchdog is armed, so a block in
// its first line is reported with its stack.
if (config !== undefined) await start(config)

async function start(config: PreloadConfig): Promise<void> {
  const tasks = config.tasks
    ? noTaskLeaks({ ...silent, attribution: 'global', grace: 0 })
    : undefined
  const workers = config.workers
    ? noWorkerLeaks({ ...silent, attribution: 'global', grace: 0 })
    : undefined
  const blocking = config.blocking
    ? noEventLoopBlocking({ ...silent, threshold: config.threshold })
    : undefined
  let written = false
  let finishing = false

  const write = (report: Omit<RunReport, 'version' | 'script' | 'args'>): void => {
    if (written) return
    written = true
    const full = { version: REPORT_MODEL_VERSION, script: '', args: [], ...report }
    writeFileSync(config.reportFile, JSON.stringify(full))
  }

  const finish = async (end: RunEnd): Promise<void> => {
    if (finishing) return
    finishing = true
    const none = Promise.resolve([] as const)
    const [leakedTasks, leakedWorkers, blocks] = await Promise.all([
      tasks?.check() ?? none,
      workers?.check() ?? none,
      blocking?.check() ?? none,
    ])
    write({
      end,
      exitCode:
        typeof process.exitCode === 'number' ? process.exitCode : end === 'exited' ? 0 : null,
      signal: null,
      tasks: (leakedTasks as readonly LeakedTask[]).map((task) => task.toJSON()),
      workers: (leakedWorkers as readonly LeakedWorker[]).map((worker) => worker.toJSON()),
      blocks: (blocks as readonly EventLoopBlock[]).map((block) => block.toJSON()),
      notes: [],
    })
  }

  // The loop is empty: the program's own work is done. Nothing can be pending but unref'd items.
  process.once('beforeExit', () => void finish('exited'))

  process.on(REPORT_SIGNAL, () => {
    void finish('timeout').then(() => process.exit())
  })

  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    const onSignal = (): void => {
      void finish('interrupted').then(() => {
        // The program's own handlers decide what a signal means to it; alone, we exit as the
        // default action would have.
        if (process.listenerCount(signal) === 1) process.exit(code)
      })
    }
    process.on(signal, onSignal)
  }

  // process.exit() skips beforeExit; only synchronous work is possible here.
  process.once('exit', (code) => {
    write({
      end: 'process.exit',
      exitCode: code,
      signal: null,
      tasks: [],
      workers: [],
      blocks: [],
      notes: ['the program called process.exit(), so pending work and blocks could not be checked'],
    })
  })
  await blocking?.ready
  try {
    writeSync(config.readyFd, 'r')
    closeSync(config.readyFd)
  } catch {
    // Started without the CLI's pipe: nothing waits for the signal.
  }
}
