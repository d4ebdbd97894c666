#!/usr/bin/env node
// `leakscope run`: runs a Node.js program under the three detectors and prints what they found.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { constants } from 'node:os'
import { parseArgs, UsageError, USAGE, type RunConfig } from './args.js'
import { formatRunReport, hasFindings } from './format.js'
import { CONFIG_ENV, REPORT_SIGNAL, type PreloadConfig, type RunReport } from './protocol.js'

const KILL_AFTER_MS = 5_000

function version(): string {
  const manifest = JSON.parse(
    readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
  ) as { version: string }
  return manifest.version
}

function readReport(
  file: string,
  config: RunConfig,
  code: number | null,
  signal: NodeJS.Signals | null,
  timedOut: boolean,
): RunReport {
  let report: RunReport | undefined
  try {
    report = JSON.parse(readFileSync(file, 'utf8')) as RunReport
  } catch {
    report = undefined
  }
  const base: RunReport = report ?? {
    version: 1,
    script: '',
    args: [],
    end: timedOut ? 'timeout' : 'exited',
    exitCode: code,
    signal: null,
    tasks: [],
    workers: [],
    blocks: [],
    notes: [
      'the program ended before leakscope could report (killed, or crashed before its code ran)',
    ],
  }
  return {
    ...base,
    script: config.script,
    args: config.args,
    exitCode: base.exitCode ?? code,
    signal: signal ?? base.signal,
    end: timedOut ? 'timeout' : base.end,
  }
}

function run(config: RunConfig): Promise<number> {
  if (!existsSync(config.script)) throw new UsageError(`script not found: ${config.script}`)
  const dir = mkdtempSync(path.join(tmpdir(), 'leakscope-run-'))
  const reportFile = path.join(dir, 'report.json')
  const preload: PreloadConfig = {
    reportFile,
    threshold: config.threshold,
    tasks: config.tasks,
    workers: config.workers,
    blocking: config.blocking,
  }
  const child = spawn(
    process.execPath,
    ['--import', new URL('./preload.js', import.meta.url).href, config.script, ...config.args],
    {
      stdio: 'inherit',
      env: { ...process.env, [CONFIG_ENV]: JSON.stringify(preload) },
    },
  )
  let timedOut = false
  const timers: NodeJS.Timeout[] = []
  if (config.timeout > 0) {
    timers.push(
      setTimeout(() => {
        timedOut = true
        child.kill(REPORT_SIGNAL)
        timers.push(setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS).unref())
      }, config.timeout),
    )
  }
  // Ctrl-C reaches the whole process group: the program reports and exits; we wait for it.
  const ignore = (): void => {}
  const forward = (): void => {
    child.kill('SIGTERM')
  }
  process.on('SIGINT', ignore)
  process.on('SIGTERM', forward)
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code, signal) => {
      timers.forEach(clearTimeout)
      process.off('SIGINT', ignore)
      process.off('SIGTERM', forward)
      const report = readReport(reportFile, config, code, signal, timedOut)
      rmSync(dir, { recursive: true, force: true })
      if (config.out !== undefined)
        writeFileSync(config.out, JSON.stringify(report, null, 2) + '\n')
      if (config.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n')
      else process.stderr.write(formatRunReport(report, config.threshold, colors()) + '\n')
      resolve(exitCode(report, config, code, signal, timedOut))
    })
  })
}

function colors(): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true
  return process.stderr.isTTY && process.stderr.hasColors()
}

function exitCode(
  report: RunReport,
  config: RunConfig,
  code: number | null,
  signal: NodeJS.Signals | null,
  timedOut: boolean,
): number {
  // The program's own failure always wins; a stop we asked for (--timeout) is not its failure.
  if (!timedOut) {
    if (signal !== null) return 128 + (constants.signals[signal] ?? 0)
    if (code !== null && code !== 0) return code
  }
  return config.fail && hasFindings(report) ? 1 : 0
}

async function main(): Promise<void> {
  try {
    const command = parseArgs(process.argv.slice(2))
    if (command.kind === 'help') {
      process.stdout.write(USAGE + '\n')
      return
    }
    if (command.kind === 'version') {
      process.stdout.write(version() + '\n')
      return
    }
    process.exitCode = await run(command.config)
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`leakscope: ${error.message}\n`)
      process.exitCode = 2
      return
    }
    process.stderr.write(
      `leakscope: internal error: ${error instanceof Error ? error.message : String(error)}\n`,
    )
    process.exitCode = 2
  }
}

await main()
