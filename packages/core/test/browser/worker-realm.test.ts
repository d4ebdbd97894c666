// leakscope imported by a dedicated worker's own code (the browser build in a WorkerGlobalScope):
// the same detectors, stacks and restore rules as in a page.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'

interface Reply {
  ready?: true
  result?: unknown
  error?: string
}

let worker: Worker

function ask<T>(scenario: string): Promise<T> {
  return new Promise((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<Reply>) => {
      if (event.data.error !== undefined) reject(new Error(event.data.error))
      else resolve(event.data.result as T)
    }
    worker.postMessage(scenario)
  })
}

beforeAll(async () => {
  worker = new Worker(new URL('./worker-realm/scenarios.worker.ts', import.meta.url), {
    type: 'module',
  })
  await new Promise<void>((resolve, reject) => {
    worker.onerror = (event) => reject(new Error(`the worker failed to start: ${event.message}`))
    worker.onmessage = () => resolve()
  })
})

afterAll(() => worker.terminate())

const WORKER_FILE = /\/worker-realm\/scenarios\.worker\.ts$/

describe('leakscope inside a dedicated worker', () => {
  test('a timer, a listener on the worker scope and a port left open are leaks, at their lines', async () => {
    const { found, restored, active } = await ask<{
      found: { kind: string; name: string; functionName?: string; path: string }[]
      restored: boolean
      active: number
    }>('leaky')
    expect(found.map((leak) => [leak.kind, leak.name, leak.functionName])).toEqual([
      ['interval', 'tick', 'leaveWork'],
      ['listener', 'onPing', 'leaveWork'],
      ['message-port', 'message-port', 'leaveWork'],
    ])
    for (const leak of found) expect(leak.path).toMatch(WORKER_FILE)
    // Cancelled from the report: the worker's globals are its own again.
    expect(restored).toBe(true)
    expect(active).toBe(0)
  })

  test('the same work cleaned up is clean, and the globals are restored', async () => {
    await expect(ask('clean')).resolves.toEqual({ found: [], restored: true, active: 0 })
  })

  test('concurrent scopes in the worker do not blame each other', async () => {
    const result = await ask<{ first: string[]; second: string[]; restored: boolean }>('concurrent')
    expect(result).toEqual({ first: ['firstTick'], second: ['secondTick'], restored: true })
  })

  test('a block of the worker thread is measured', async () => {
    const { durations, active } = await ask<{ durations: number[]; active: number }>('blocking')
    expect(durations).toHaveLength(1)
    expect(durations[0]).toBeGreaterThanOrEqual(100)
    expect(active).toBe(0)
  })
})
