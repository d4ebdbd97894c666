// A strict reading of the report model (src/shared/model.ts) for JSON that crossed a process
// boundary: every field has the documented type, and no undocumented field is present.
import { expect } from 'vitest'

type Check = (value: unknown, path: string) => void

const isString: Check = (v, p) => expect(typeof v, p).toBe('string')
const isNumber: Check = (v, p) => expect(Number.isFinite(v), `${p}: ${String(v)}`).toBe(true)
const isBoolean: Check = (v, p) => expect(typeof v, p).toBe('boolean')
const oneOf =
  (...values: string[]): Check =>
  (v, p) =>
    expect(values, p).toContain(v)
const arrayOf =
  (check: Check): Check =>
  (v, p) => {
    expect(Array.isArray(v), `${p} is an array`).toBe(true)
    ;(v as unknown[]).forEach((item, i) => check(item, `${p}[${i}]`))
  }

function object(required: Record<string, Check>, optional: Record<string, Check> = {}): Check {
  return (value, path) => {
    expect(typeof value === 'object' && value !== null, `${path} is an object`).toBe(true)
    const record = value as Record<string, unknown>
    for (const [key, check] of Object.entries(required)) check(record[key], `${path}.${key}`)
    for (const [key, check] of Object.entries(optional))
      if (record[key] !== undefined) check(record[key], `${path}.${key}`)
    const known = new Set([...Object.keys(required), ...Object.keys(optional)])
    expect(
      Object.keys(record).filter((key) => !known.has(key)),
      `${path}: undocumented fields`,
    ).toEqual([])
  }
}

const location = object({ url: isString, line: isNumber, column: isNumber }, { name: isString })
const frame = object(
  { functionName: isString, url: isString, line: isNumber, column: isNumber },
  { original: location },
)

const task = object(
  {
    id: isNumber,
    kind: oneOf(
      'timeout',
      'interval',
      'immediate',
      'socket',
      'server',
      'udp-socket',
      'fs-watcher',
      'child-process',
      'fs-request',
      'dns-request',
      'promise',
    ),
    name: isString,
    state: oneOf('scheduled', 'repeating', 'open', 'in-flight', 'pending'),
    createdAt: isNumber,
  },
  {
    unref: isBoolean,
    detail: isString,
    creationStack: arrayOf(frame),
    stackOrigin: oneOf('callback'),
  },
)

const worker = object(
  {
    id: isNumber,
    kind: oneOf('worker', 'shared-worker', 'child-process'),
    name: isString,
    createdAt: isNumber,
  },
  { url: isString, creationStack: arrayOf(frame) },
)

const block = object(
  { id: isNumber, duration: isNumber, threshold: isNumber, startTime: isNumber },
  {
    blockingStack: arrayOf(frame),
    source: object({ url: isString, line: isNumber, column: isNumber, functionName: isString }),
    note: isString,
  },
)

/** Asserts that `report`'s findings are exactly the Node report model. */
export function expectReportModel(report: {
  tasks?: unknown
  workers?: unknown
  blocks?: unknown
}): void {
  arrayOf(task)(report.tasks, 'tasks')
  arrayOf(worker)(report.workers, 'workers')
  arrayOf(block)(report.blocks, 'blocks')
}
