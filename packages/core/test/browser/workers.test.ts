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

// Read at load, while no scope is open.
const nativeTerminate = Worker.prototype.terminate

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

  test('a worker whose script failed to load never ran: not reported', async () => {
    const scope = noWorkerLeaks({ action: 'throw', grace: 5000 })
    const missing = new Worker('/no-such-worker-script.js', { name: 'missing' })
    const badImport = new Worker(scriptUrl('import "/no-such-module.js"'), {
      type: 'module',
      name: 'bad-import',
    })
    // Ended by their error events: were they still running when the grace ran out, 'throw' would
    // reject with both.
    await expect(scope.check()).resolves.toEqual([])
    missing.terminate()
    badImport.terminate()
  })

  test('a worker that threw while running lives on: still reported', async () => {
    const scope = noWorkerLeaks(quiet)
    const worker = new Worker(scriptUrl('setInterval(() => {}, 1000); throw new Error("boom")'), {
      name: 'threw',
    })
    // The page handles the worker's error, so it is not reported as the page's own.
    const errored = new Promise<void>((resolve) => {
      worker.onerror = (event) => {
        event.preventDefault()
        resolve()
      }
    })
    await errored
    const leaks = await scope.check()
    worker.terminate()
    expect(leaks.map((w) => w.name)).toEqual(['threw'])
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

  test('a terminate() replacement that calls ours, left in place, is not patched over: no loop, still tracked', async () => {
    const first = noWorkerLeaks(quiet)
    const ours = Worker.prototype.terminate
    expect(ours).not.toBe(nativeTerminate)
    // What vi.spyOn does: a replacement that delegates to what it replaced, never restored.
    const spy = function (this: Worker): void {
      ours.call(this)
    }
    Worker.prototype.terminate = spy
    expect(await first.check()).toEqual([])
    expect(Worker.prototype.terminate).toBe(spy)

    const second = noWorkerLeaks(quiet)
    expect(Worker.prototype.terminate).toBe(spy)
    const worker = startWorker()
    worker.terminate() // ours over the spy would loop: RangeError
    expect(await second.check()).toEqual([])

    // Once the original is back, the next scope patches it again.
    Worker.prototype.terminate = nativeTerminate
    const third = noWorkerLeaks(quiet)
    expect(Worker.prototype.terminate).not.toBe(nativeTerminate)
    expect(await third.check()).toEqual([])
    expect(Worker.prototype.terminate).toBe(nativeTerminate)
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
