// Small helpers every bench uses: command-line numbers, the summaries of its samples, the machine.
import os from 'node:os'

/** The value after `name` on the command line, or undefined. */
export function argValue(name) {
  const index = process.argv.indexOf(name)
  return index === -1 ? undefined : process.argv[index + 1]
}

/** The number after `name` on the command line, or `fallback`. */
export function numberOption(name, fallback) {
  const value = argValue(name)
  return value === undefined ? fallback : Number(value)
}

/** The median (the mean of the middle two for an even count). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

export const round1 = (value) => Math.round(value * 10) / 10
export const round2 = (value) => Math.round(value * 100) / 100

/** The load averages now (1, 5, 15 min), rounded: taken at a bench's start and end. */
export const loadAverage = () => os.loadavg().map(round2)

/** What a results file says about the machine; `loadAtStart` is `loadAverage()` from the start. */
export function machineInfo(loadAtStart) {
  const cpus = os.cpus()
  return {
    cpuModel: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: round1(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    loadAverageAtStart: loadAtStart,
    loadAverageAtEnd: loadAverage(),
  }
}
