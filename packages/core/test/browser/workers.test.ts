import { describe, expect, test } from 'vitest'
import {
  activeScopeCount,
  noThreadLeaks,
  noWorkerLeaks,
  WorkerLeakError,
  type LeakedWorker,
} from 'leakscope'
import { firstFramePath, wait } from './helpers.js'

const quiet = { action: 'log', logger: { warn() {} }, grace: 30 } as const

function scriptUrl(code: string): string {
  return URL.createObjectURL(new Blob([code], { type: 'text/javascript' }))
}

const FOREVER = scriptUrl('setInterval(() => {}, 1000)')
const ECHO = scriptUrl('onmessage = (e) => postMessage(e.data)')
const SHARED = scriptUrl(
  'onconnect = (e) => { e.ports[0].onmessage = (m) => e.ports[0].postMessage(m.data) }',
)

function startWorker(name?: string): Worker {
  return new Worker(FOREVER, name === undefined ? {} : { name })
}

function terminateAll(leaks: readonly LeakedWorker[]): void {
  for (const leak of leaks) leak.terminate()
}

describe('noWorkerLeaks (browser)', () => {
  test('noThreadLeaks is the same function', () => {
    expect(noThreadLeaks).toBe(noWorkerLeaks)
  })

  test('a leaked Worker is reported with kind, name, url and the creating line', async () => {
    const scope = noWorkerLeaks(quiet)
    const worker = startWorker('poller')
    const leaks = await scope.check()
    worker.terminate()
    expect(leaks).toHaveLength(1)
    expect(leaks[0]).toMatchObject({ kind: 'worker', name: 'poller', url: FOREVER })
    expect(firstFramePath(leaks[0] as never)).toMatch(/workers\.test\.ts$/)
    expect(leaks[0]?.creationStack?.[0]?.functionName).toBe('startWorker')
    expect(activeScopeCount()).toBe(0)
  })

  test('a terminated Worker is clean, and a worker answering messages still works', async () => {
    const scope = noWorkerLeaks({ action: 'throw', grace: 10_000 })
    const worker = new Worker(ECHO)
    const reply = await new Promise((resolve) => {
      worker.onmessage = (event) => resolve(event.data)
      worker.postMessage('ping')
    })
    worker.terminate()
    const started = performance.now()
    await expect(scope.check()).resolves.toEqual([])
    expect(performance.now() - started).toBeLessThan(1000)
    expect(reply).toBe('ping')
  })

  test('a Worker terminated within the grace period is not reported', async () => {
    const scope = noWorkerLeaks({ action: 'throw', grace: 2000 })
    const worker = startWorker()
    setTimeout(() => worker.terminate(), 20)
    await expect(scope.check()).resolves.toEqual([])
  })

  test('a SharedWorker is reported until its port is closed', async () => {
    const scope = noWorkerLeaks(quiet)
    const open = new SharedWorker(SHARED, 'open-one')
    const closed = new SharedWorker(SHARED, { name: 'closed-one' })
    closed.port.close()
    const leaks = await scope.check()
    open.port.close()
    expect(leaks.map((w) => [w.kind, w.name])).toEqual([['shared-worker', 'open-one']])
  })

  test('nameFilter matches the worker name', async () => {
    const scope = noWorkerLeaks({ ...quiet, nameFilter: /^pool-/ })
    const workers = [startWorker('pool-1'), startWorker('other')]
    const leaks = await scope.check()
    workers.forEach((w) => w.terminate())
    expect(leaks.map((w) => w.name)).toEqual(['pool-1'])
  })

  test("'cancel' terminates leaked workers", async () => {
    const scope = noWorkerLeaks({ action: 'cancel', grace: 30 })
    const warnings: string[] = []
    const original = console.warn
    console.warn = (message: string) => void warnings.push(message)
    try {
      const worker = new Worker(ECHO, { name: 'cancel-me' })
      await scope.check()
      // A terminated worker never answers.
      const answered = await Promise.race([
        new Promise((resolve) => {
          worker.onmessage = () => resolve(true)
          worker.postMessage('ping')
        }),
        wait(200).then(() => false),
      ])
      expect(answered).toBe(false)
    } finally {
      console.warn = original
    }
    expect(warnings.join('\n')).toMatch(/Detected 1 leaked worker[\s\S]*cancel-me/)
  })

  test("'throw' rejects with WorkerLeakError", async () => {
    let worker: Worker | undefined
    const error = (await noWorkerLeaks({ action: 'throw', grace: 20 })
      .run(() => {
        worker = startWorker('thrown')
      })
      .catch((e: unknown) => e)) as WorkerLeakError
    worker?.terminate()
    expect(error).toBeInstanceOf(WorkerLeakError)
    expect(error.workerCount).toBe(1)
    expect(error.leakedWorkers[0]?.name).toBe('thrown')
  })

  test("concurrent scopes with attribution 'context' do not blame each other", async () => {
    const workers: Worker[] = []
    const names = (error: unknown) => (error as WorkerLeakError).leakedWorkers.map((w) => w.name)
    const open = (name: string) =>
      noWorkerLeaks({ action: 'throw', grace: 20 })
        .run(() => void workers.push(startWorker(name)))
        .then(() => [], names)
    const [a, b] = [open('a'), open('b')]
    const results = await Promise.all([a, b])
    workers.forEach((w) => w.terminate())
    expect(results).toEqual([['a'], ['b']])
  })

  test('constructors keep instanceof, prototype, name and length, and are restored exactly', async () => {
    const OriginalWorker = Worker
    const OriginalShared = SharedWorker
    const terminate = Worker.prototype.terminate
    const scope = noWorkerLeaks(quiet)
    expect(globalThis.Worker).not.toBe(OriginalWorker)
    expect(Worker.name).toBe('Worker')
    expect(Worker.length).toBe(OriginalWorker.length)
    expect(Worker.prototype).toBe(OriginalWorker.prototype)
    const worker = new Worker(FOREVER)
    expect(worker).toBeInstanceOf(OriginalWorker)
    expect(worker).toBeInstanceOf(Worker)
    worker.terminate()
    expect(await scope.check()).toEqual([])
    expect(globalThis.Worker).toBe(OriginalWorker)
    expect(globalThis.SharedWorker).toBe(OriginalShared)
    expect(Worker.prototype.terminate).toBe(terminate)
  })

  test('invalid options throw a TypeError', () => {
    expect(() => noWorkerLeaks({ grace: -1 })).toThrow(/invalid option "grace"/)
    expect(() => noWorkerLeaks({ action: 'nope' as 'warn' })).toThrow(TypeError)
  })

  test('leaked workers can be terminated from the report', async () => {
    const scope = noWorkerLeaks(quiet)
    startWorker()
    const leaks = await scope.check()
    expect(leaks).toHaveLength(1)
    expect(leaks[0]?.name).toBe('worker')
    terminateAll(leaks)
  })
})
