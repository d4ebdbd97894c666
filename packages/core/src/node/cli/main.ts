#!/usr/bin/env node
// `leakscope run`: runs a Node.js program under the three detectors and prints what they found.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { constants } from 'node:os'
import type { Readable } from 'node:stream'
import { parseArgs, UsageError, USAGE, type RunConfig } from './args.js'
import { formatRunReport, hasFindings } from './format.js'
import { CONFIG_ENV, REPORT_SIGNAL, type PreloadConfig, type RunReport } from './protocol.js'

const KILL_AFTER_MS = 5_000
/** The child's file descriptor of the preload's ready pipe (after stdin, stdout, stderr). */
const READY_FD = 3

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

const TYPESCRIPT = /\.[cm]?ts$/

/** Node flags a TypeScript script needs, or a UsageError when this Node cannot run it. */
function typeScriptFlags(script: string): string[] {
  if (!TYPESCRIPT.test(script)) return []
  const stripping = (process.features as { typescript?: unknown }).typescript
  if (stripping === 'strip' || stripping === 'transform') return []
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number)
  if (major > 22 || (major === 22 && minor >= 6)) return ['--experimental-strip-types']
  throw new UsageError(
    `${script} is TypeScript, which Node.js ${process.versions.node} cannot run (type stripping needs Node.js >= 22.6): compile it to JavaScript first`,
  )
}

function run(config: RunConfig): Promise<number> {
  if (!existsSync(config.script)) throw new UsageError(`script not found: ${config.script}`)
  const nodeFlags = typeScriptFlags(config.script)
  const dir = mkdtempSync(path.join(tmpdir(), 'leakscope-run-'))
  const reportFile = path.join(dir, 'report.json')
  const preload: PreloadConfig = {
    reportFile,
    readyFd: READY_FD,
    threshold: config.threshold,
    tasks: config.tasks,
    workers: config.workers,
    blocking: config.blocking,
  }
  const child = spawn(
    process.execPath,
    [
      ...nodeFlags,
      '--import',
      new URL('./preload.js', import.meta.url).href,
      config.script,
      ...config.args,
    ],
    {
      // With --json, stdout carries the report alone: the program's own output goes to stderr.
      stdio: ['inherit', config.json ? 2 : 'inherit', 'inherit', 'pipe'],
      env: { ...process.env, [CONFIG_ENV]: JSON.stringify(preload) },
    },
  )
  let timedOut = false
  let exited = false
  const timers: NodeJS.Timeout[] = []
  const ready = child.stdio[READY_FD] as Readable
  ready.once('data', () => {
    if (exited || config.timeout <= 0) return
    timers.push(
      setTimeout(() => {
        timedOut = true
        child.kill(REPORT_SIGNAL)
        timers.push(setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS).unref())
      }, config.timeout),
    )
  })
  ready.resume()
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
      exited = true
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
