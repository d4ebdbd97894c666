// The relay's validators on their own (Node): what passes, what is rebuilt, what is refused.
import { expect, test } from '@playwright/test'
import { LIMITS, controlMessage, fromPanel, pageMessage } from '../src/validate.js'

const task = {
  id: 3,
  kind: 'interval',
  name: 'tick',
  state: 'repeating',
  createdAt: 1,
  creationStack: [{ functionName: 'f', url: 'http://x/a.js', line: 2, column: 3 }],
}
const batch = {
  seq: 1,
  time: 2,
  counts: { interval: 1 },
  added: [task],
  removed: [{ kind: 'timeout', id: 9 }],
  truncated: 0,
  longFrames: [],
  reports: [],
}

test('a valid batch passes, rebuilt with only the known fields', () => {
  const extra = { ...batch, evil: 1, added: [{ ...task, evil: 2 }] }
  const valid = pageMessage({ type: 'batch', payload: extra })
  expect(valid?.message).toEqual({ type: 'batch', payload: batch })
  expect(valid?.bytes).toBeGreaterThan(0)
})

test('wrong types, negative or fractional ids and unknown states are refused', () => {
  const bad = [
    { ...batch, seq: 0 },
    { ...batch, time: Number.NaN },
    { ...batch, added: [{ ...task, id: -1 }] },
    { ...batch, added: [{ ...task, id: 1.5 }] },
    { ...batch, added: [{ ...task, state: 'pwned' }] },
    { ...batch, added: [{ ...task, kind: '<b>' }] },
    { ...batch, added: [{ ...task, creationStack: 'x' }] },
    { ...batch, removed: [7] },
    { ...batch, counts: { interval: -1 } },
    { ...batch, reports: [{ scopeId: 1, origin: 'evil', url: '', report: {} }] },
    { ...batch, added: 'x' },
  ]
  for (const payload of bad) expect(pageMessage({ type: 'batch', payload })).toBeUndefined()
  expect(pageMessage({ type: 'eval', payload: {} })).toBeUndefined()
  expect(pageMessage(null)).toBeUndefined()
})

test('size limits: items, stack frames, bytes; long strings are cut', () => {
  const many = Array.from({ length: LIMITS.batchItems + 1 }, () => task)
  expect(pageMessage({ type: 'batch', payload: { ...batch, added: many } })).toBeUndefined()
  const deep = Array.from({ length: LIMITS.stackFrames + 1 }, () => task.creationStack[0])
  expect(
    pageMessage({
      type: 'batch',
      payload: { ...batch, added: [{ ...task, creationStack: deep }] },
    }),
  ).toBeUndefined()
  expect(pageMessage({ type: 'batch', payload: batch }, 100)).toBeUndefined()

  const long = pageMessage({
    type: 'batch',
    payload: { ...batch, added: [{ ...task, name: 'x'.repeat(10_000) }] },
  })
  const name = long?.message.type === 'batch' ? long.message.payload.added[0]?.name : undefined
  expect(name?.length).toBe(LIMITS.string)
  expect(name?.endsWith('…')).toBe(true)
})

test('prototype keys: `__proto__` is refused, `constructor` stays plain data', () => {
  const proto = JSON.parse('{"__proto__": 5, "interval": 1}') as Record<string, number>
  expect(pageMessage({ type: 'batch', payload: { ...batch, counts: proto } })).toBeUndefined()
  const counts = { constructor: 2, interval: 1 }
  const valid = pageMessage({ type: 'batch', payload: { ...batch, counts } })
  const out = valid?.message.type === 'batch' ? valid.message.payload.counts : undefined
  expect(Object.getPrototypeOf(out)).toBeNull()
  expect({ ...out }).toEqual({ constructor: 2, interval: 1 })
})

test('control and panel messages', () => {
  expect(controlMessage({ type: 'cancel', id: 1, kind: 'timeout' })).toEqual({
    type: 'cancel',
    id: 1,
    kind: 'timeout',
  })
  expect(controlMessage({ type: 'cancel', id: 1, kind: '<x>' })).toBeUndefined()
  expect(controlMessage({ type: 'eval' })).toBeUndefined()
  expect(fromPanel({ type: 'record-start', extra: 1 })).toEqual({ type: 'record-start' })
  expect(fromPanel({ type: 'cancel', frameId: 0, id: 'x' })).toBeUndefined()
})
