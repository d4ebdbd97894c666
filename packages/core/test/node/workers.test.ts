import { spawn } from 'node:child_process'
import module, { createRequire } from 'node:module'
import * as threads from 'node:worker_threads'
import { Worker } from 'node:worker_threads'
import { describe, expect, test, vi } from 'vitest'
import {
  activeScopeCount,
  noTaskLeaks,
  noThreadLeaks,
  noWorkerLeaks,
  ThreadLeakError,
  WorkerLeakError,
} from 'leakscope'
import { collectWarnings, firstFrame, fixture } from './helpers.js'

const quiet = { action: 'log', logger: { warn() {} }, grace: 50 } as const
const FOREVER = 'setInterval(() => {}, 1000)'
const require = createRequire(import.meta.url)

// Counts `syncBuiltinESMExports()` calls: each re-syncs every loaded builtin (~100 µs).
function countESMSyncs(): { count: number; restore(): void } {
  const original = module.syncBuiltinESMExports
  const counter = {
    count: 0,
    restore: () => {
      module.syncBuiltinESMExports = original
    },
  }
  module.syncBuiltinESMExports = () => {
    counter.count++
    original()
  }
  return counter
}

function exited(worker: Worker): Promise<void> {
  return new Promise((resolve) => worker.once('exit', () => resolve()))
}

describe('noWorkerLeaks (Node.js)', () => {
  test('noThreadLeaks is the same function', () => {
    expect(noThreadLeaks).toBe(noWorkerLeaks)
    expect(ThreadLeakError).toBe(WorkerLeakError)
  })

  test('a leaked worker is reported with name, url and the creating line', async () => {
    const scope = noWorkerLeaks(quiet)
    const worker = new Worker(fixture('worker-forever.mjs'))
    const leaks = await scope.check()
    await worker.terminate()
    expect(leaks).toHaveLength(1)
    expect(leaks[0]).toMatchObject({
      kind: 'worker',
      name: 'worker-forever.mjs',
      url: fixture('worker-forever.mjs'),
    })
    expect(firstFrame(leaks[0] as unknown as Parameters<typeof firstFrame>[0]).file).toMatch(
      /workers\.test\.ts$/,
    )
    expect(activeScopeCount()).toBe(0)
  })

  test('workers are seen however Worker was imported (named, namespace, require)', async () => {
    const scope = noWorkerLeaks(quiet)
    const workers = [
      new Worker(FOREVER, { eval: true, name: 'named-import' }),
      new threads.Worker(FOREVER, { eval: true, name: 'namespace' }),
      new (require('node:worker_threads') as typeof threads).Worker(FOREVER, {
        eval: true,
        name: 'required',
      }),
    ]
    const leaks = await scope.check()
    await Promise.all(workers.map((w) => w.terminate()))
    expect(leaks.map((w) => w.name).sort()).toEqual(['named-import', 'namespace', 'required'])
    expect(workers[0]).toBeInstanceOf(Worker)
    expect(threads.Worker).toBe(Worker)
  })

  test('a terminated worker is clean and the scope ends without waiting', async () => {
    const scope = noWorkerLeaks({ action: 'throw', grace: 10_000 })
    const worker = new Worker(FOREVER, { eval: true })
    await worker.terminate()
    const started = performance.now()
    await expect(scope.check()).resolves.toEqual([])
    expect(performance.now() - started).toBeLessThan(1000)
  })

  test('a worker that exits by itself within the grace period is clean', async () => {
    const scope = noWorkerLeaks({ action: 'throw', grace: 5000 })
    new Worker('const x = 1', { eval: true })
    await expect(scope.check()).resolves.toEqual([])
  })

  test("an unref'd worker is skipped by default and reported with excludeUnref: false", async () => {
    const skipped = noWorkerLeaks(quiet)
    const one = new Worker(FOREVER, { eval: true })
    one.unref()
    expect(await skipped.check()).toEqual([])
    const reported = noWorkerLeaks({ ...quiet, excludeUnref: false })
    const two = new Worker(FOREVER, { eval: true, name: 'background' })
    two.unref()
    const leaks = await reported.check()
    await Promise.all([one.terminate(), two.terminate()])
    expect(leaks.map((w) => w.name)).toEqual(['background'])
  })

  test('nameFilter matches the worker name (string or RegExp)', async () => {
    const scope = noWorkerLeaks({ ...quiet, nameFilter: /^pool-/ })
    const workers = [
      new Worker(FOREVER, { eval: true, name: 'pool-1' }),
      new Worker(FOREVER, { eval: true, name: 'other' }),
    ]
    const leaks = await scope.check()
    const exact = noWorkerLeaks({ ...quiet, nameFilter: 'other' })
    const third = new Worker(FOREVER, { eval: true, name: 'other' })
    const exactLeaks = await exact.check()
    await Promise.all([...workers, third].map((w) => w.terminate()))
    expect(leaks.map((w) => w.name)).toEqual(['pool-1'])
    expect(exactLeaks.map((w) => w.name)).toEqual(['other'])
  })

  test("'cancel' reports, then terminates the worker (it really exits)", async () => {
    let worker: Worker | undefined
    const warnings = await collectWarnings(async () => {
      const scope = noWorkerLeaks({ action: 'cancel', grace: 50 })
      worker = new Worker(FOREVER, { eval: true, name: 'cancel-me' })
      const gone = exited(worker)
      await scope.check()
      await gone
    })
    expect(warnings).toHaveLength(1)
    expect(warnings[0]?.message).toMatch(/Detected 1 leaked worker[\s\S]*cancel-me/)
    expect(warnings[0]?.message).toContain('(cancelled by leakscope)')
    expect(worker?.threadId).toBe(-1)
  })

  test("'throw' rejects with WorkerLeakError; run() and wrap() work too", async () => {
    let worker: Worker | undefined
    const error = (await noWorkerLeaks({ action: 'throw', grace: 20 })
      .run(() => {
        worker = new Worker(FOREVER, { eval: true, name: 'thrown' })
      })
      .catch((e: unknown) => e)) as WorkerLeakError
    await worker?.terminate()
    expect(error).toBeInstanceOf(WorkerLeakError)
    expect(error.workerCount).toBe(1)
    expect(error.leakedWorkers[0]?.name).toBe('thrown')
    expect(error.message).toMatch(/^Detected 1 leaked worker/)
    expect(error.toJSON().workers[0]).toMatchObject({ kind: 'worker', name: 'thrown' })
    const safe = noWorkerLeaks.wrap(async (n: number) => n * 2, { action: 'throw' })
    await expect(safe(21)).resolves.toBe(42)
  })

  test("concurrent scopes with attribution 'context' do not blame each other", async () => {
    const workers: Worker[] = []
    const body = (name: string) => async () => {
      await new Promise((resolve) => setTimeout(resolve, 5))
      workers.push(new Worker(FOREVER, { eval: true, name }))
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    const scopes = [noWorkerLeaks(quiet), noWorkerLeaks(quiet)]
    const errors = await Promise.all([
      noWorkerLeaks({ action: 'throw', grace: 20 })
        .run(body('a'))
        .catch((e: WorkerLeakError) => e.leakedWorkers.map((w) => w.name)),
      noWorkerLeaks({ action: 'throw', grace: 20 })
        .run(body('b'))
        .catch((e: WorkerLeakError) => e.leakedWorkers.map((w) => w.name)),
    ])
    for (const scope of scopes) await scope.check()
    await Promise.all(workers.map((w) => w.terminate()))
    expect(errors).toEqual([['a'], ['b']])
  })

  test("attribution 'global' sees workers created outside its context", async () => {
    const global = noWorkerLeaks({ ...quiet, attribution: 'global' })
    let worker: Worker | undefined
    await noTaskLeaks(quiet).run(() => {
      worker = new Worker(FOREVER, { eval: true, name: 'elsewhere' })
    })
    const leaks = await global.check()
    await worker?.terminate()
    expect(leaks.map((w) => w.name)).toEqual(['elsewhere'])
  })

  test('a child process is reported once: by the worker scope, not also by a task scope', async () => {
    const tasks = noTaskLeaks(quiet)
    const workers = noWorkerLeaks(quiet)
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)'])
    const [taskLeaks, workerLeaks] = await Promise.all([tasks.check(), workers.check()])
    child.kill()
    expect(taskLeaks).toEqual([])
    expect(workerLeaks.map((w) => [w.kind, w.name])).toEqual([
      ['child-process', process.execPath.split('/').pop()],
    ])
    // Without a worker scope, the task scope still reports it.
    const alone = noTaskLeaks(quiet)
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)'])
    const aloneLeaks = await alone.check()
    other.kill()
    expect(aloneLeaks.map((t) => t.kind)).toEqual(['child-process'])
  })

  test('Worker is restored exactly once no worker scope has been open for a moment', async () => {
    // The Proxy may still be in place after the previous test: its prototype leads back.
    const native = threads.Worker.prototype.constructor
    const syncs = countESMSyncs()
    try {
      const first = noWorkerLeaks(quiet)
      const proxied = threads.Worker
      expect(proxied).not.toBe(native)
      expect(Worker).toBe(proxied)
      expect(Worker.name).toBe('Worker')
      expect(Worker.length).toBe(native.length)
      expect(Worker.prototype).toBe(native.prototype)
      await first.check()
      // A scope right after reuses the Proxy: no second re-sync of every builtin's ESM exports.
      const before = syncs.count
      const second = noWorkerLeaks(quiet)
      expect(threads.Worker).toBe(proxied)
      await second.check()
      expect(syncs.count).toBe(before)
      await vi.waitFor(
        () => {
          expect(threads.Worker).toBe(native)
          expect(Worker).toBe(native)
          expect((require('node:worker_threads') as typeof threads).Worker).toBe(native)
        },
        { timeout: 5000, interval: 20 },
      )
      expect(syncs.count).toBe(before + 1)
    } finally {
      syncs.restore()
    }
  })

  test('invalid options throw a TypeError naming option, value and what is allowed', () => {
    expect(() => noWorkerLeaks({ action: 'explode' as 'warn' })).toThrow(
      /noWorkerLeaks: invalid option "action": 'explode' \(expected 'warn'/,
    )
    expect(() => noWorkerLeaks({ grace: -1 })).toThrow(/invalid option "grace": -1/)
    expect(() => noWorkerLeaks({ excludeUnref: 'yes' as unknown as boolean })).toThrow(
      /invalid option "excludeUnref": 'yes' \(expected true or false\)/,
    )
    expect(() => noWorkerLeaks({ kinds: ['timeout'] } as never)).toThrow(/invalid option "kinds"/)
    expect(() => noWorkerLeaks({ attribution: 'nope' as 'global' })).toThrow(TypeError)
    expect(() => noWorkerLeaks.decorator({ nameFilter: 3 as unknown as string })).toThrow(
      /invalid option "nameFilter"/,
    )
    expect(activeScopeCount()).toBe(0)
  })
})
