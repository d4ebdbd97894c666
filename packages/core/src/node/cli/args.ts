// `leakscope run [options] <script> [args...]`: parsing and usage. Bad input is a UsageError,
// which the CLI prints as one line and exits 2 for.

export interface RunConfig {
  script: string
  args: string[]
  threshold: number
  json: boolean
  out: string | undefined
  fail: boolean
  /** Milliseconds to let a program that has not exited run before reporting; 0: wait. */
  timeout: number
  tasks: boolean
  workers: boolean
  blocking: boolean
}

export type Command = { kind: 'help' } | { kind: 'version' } | { kind: 'run'; config: RunConfig }

export class UsageError extends Error {
  override readonly name = 'UsageError'
}

export const USAGE = `Usage: leakscope run [options] <script> [args...]

Runs a Node.js program with leakscope's three detectors open for the whole run, then reports
what still kept it alive (with creation stacks), every event-loop block over the threshold
(with its blocking stack) and leaked workers. <script> is JavaScript (.js, .mjs, .cjs) or, on
Node.js >= 22.6, TypeScript (.ts, .mts, .cts, run with Node's type stripping).

Options:
  --threshold <ms>   report event-loop blocks longer than this (default 100)
  --timeout <ms>     report and stop a program still running after this long (default: wait;
                     Ctrl-C also reports)
  --json             print the report as JSON (the report model) instead of text
  --out <file>       write the JSON report to <file>
  --fail             exit 1 when anything is reported (the program's own failure still wins)
  --no-tasks         do not track leaked tasks
  --no-workers       do not track leaked workers
  --no-blocking      do not track event-loop blocking
  -h, --help         show this help
  -v, --version      print leakscope's version`

function readMilliseconds(option: string, value: string | undefined): number {
  if (value === undefined || value.startsWith('--'))
    throw new UsageError(`${option} needs a number of milliseconds`)
  const number = Number(value)
  if (value.trim() === '' || !Number.isFinite(number) || number < 0) {
    throw new UsageError(`${option} must be a number of milliseconds >= 0, got '${value}'`)
  }
  return number
}

export function parseArgs(argv: readonly string[]): Command {
  const [command, ...rest] = argv
  if (command === undefined || command === '-h' || command === '--help' || command === 'help')
    return { kind: 'help' }
  if (command === '-v' || command === '--version') return { kind: 'version' }
  if (command !== 'run')
    throw new UsageError(`unknown command '${command}' (expected 'run'; see leakscope --help)`)
  const config: Omit<RunConfig, 'script' | 'args'> = {
    threshold: 100,
    json: false,
    out: undefined,
    fail: false,
    timeout: 0,
    tasks: true,
    workers: true,
    blocking: true,
  }
  let index = 0
  for (; index < rest.length; index++) {
    const arg = rest[index] as string
    if (!arg.startsWith('-')) break
    if (arg === '--') {
      index++
      break
    }
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg, undefined]
    const value = (): string | undefined => inline ?? rest[++index]
    switch (flag) {
      case '-h':
      case '--help':
        return { kind: 'help' }
      case '-v':
      case '--version':
        return { kind: 'version' }
      case '--threshold':
        config.threshold = readMilliseconds(flag, value())
        break
      case '--timeout':
        config.timeout = readMilliseconds(flag, value())
        break
      case '--out': {
        const file = value()
        if (file === undefined || file === '') throw new UsageError('--out needs a file name')
        config.out = file
        break
      }
      case '--json':
        config.json = true
        break
      case '--fail':
        config.fail = true
        break
      case '--no-tasks':
        config.tasks = false
        break
      case '--no-workers':
        config.workers = false
        break
      case '--no-blocking':
        config.blocking = false
        break
      default:
        throw new UsageError(`unknown option '${arg}' (see leakscope --help)`)
    }
  }
  const script = rest[index]
  if (script === undefined)
    throw new UsageError('missing the script to run (leakscope run [options] <script> [args...])')
  return { kind: 'run', config: { ...config, script, args: rest.slice(index + 1) } }
}
