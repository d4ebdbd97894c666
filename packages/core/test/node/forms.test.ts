import { describe, expect, test } from 'vitest'
import { noTaskLeaks, TaskLeakError, type LeakedTask } from 'leakscope'
import { collectWarnings } from './helpers.js'

function poll(): void {}

describe('forms', () => {
  test('check() ends once: later calls return the same findings and do not act again', async () => {
    const scope = noTaskLeaks({ action: 'throw' })
    const handle = setInterval(poll, 1000)
    const first = await scope.check().catch((error: TaskLeakError) => error.leakedTasks)
    const second = await scope.check()
    clearInterval(handle)
    expect(first).toHaveLength(1)
    expect(second).toEqual(first)
    expect(scope.ended).toBe(true)
  })

  test('Symbol.asyncDispose ends the scope (what `await using` calls)', async () => {
    const scope = noTaskLeaks({ action: 'throw' })
    const handle = setInterval(poll, 1000)
    await expect(scope[Symbol.asyncDispose]()).rejects.toBeInstanceOf(TaskLeakError)
    clearInterval(handle)
    await expect(noTaskLeaks({ action: 'throw' })[Symbol.asyncDispose]()).resolves.toBeUndefined()
  })

  test('run() resolves with the body’s value when clean', async () => {
    await expect(noTaskLeaks({ action: 'throw' }).run(async () => 42)).resolves.toBe(42)
    await expect(noTaskLeaks({ action: 'throw' }).run(() => 'sync')).resolves.toBe('sync')
  })

  test('wrap() keeps name, length and this, and checks every call', async () => {
    const service = {
      factor: 2,
      double(value: number): number {
        return value * this.factor
      },
    }
    const safe = noTaskLeaks.wrap(service.double, { action: 'throw' })
    expect(safe.name).toBe('double')
    expect(safe.length).toBe(1)
    await expect(safe.call(service, 21)).resolves.toBe(42)
    const leaky = noTaskLeaks.wrap(
      function leaky() {
        return setInterval(poll, 1000)
      },
      { action: 'throw' },
    )
    const error = (await leaky().catch((e: unknown) => e)) as TaskLeakError
    expect(error).toBeInstanceOf(TaskLeakError)
    error.leakedTasks.forEach((t) => t.cancel())
  })

  test('wrap() and decorator() validate options where they are given', () => {
    expect(() => noTaskLeaks.wrap(() => {}, { action: 'nope' as 'warn' })).toThrow(TypeError)
    expect(() => noTaskLeaks.decorator({ grace: -1 })).toThrow(/invalid option "grace"/)
    expect(() => noTaskLeaks.wrap('x' as unknown as () => void)).toThrow(/expected a function/)
  })

  test('decorator() works as a TC39 method decorator and as a legacy one', async () => {
    const decorate = noTaskLeaks.decorator({ action: 'throw' })
    async function handle(this: { count: number }): Promise<number> {
      return ++this.count
    }
    const standard = decorate(handle, {
      kind: 'method',
      name: 'handle',
    } as ClassMethodDecoratorContext) as typeof handle
    await expect(standard.call({ count: 1 })).resolves.toBe(2)
    const descriptor = { value: handle, writable: true, configurable: true, enumerable: false }
    const legacy = (decorate as MethodDecorator)({}, 'handle', descriptor) as PropertyDescriptor
    await expect((legacy.value as typeof handle).call({ count: 5 })).resolves.toBe(6)
    expect(() =>
      (decorate as (a: unknown, b: unknown) => unknown)(class {}, { kind: 'class' }),
    ).toThrow(/only methods/)
  })
})

describe('actions', () => {
  test("'warn' (the default) emits a LeakscopeWarning that names the leak", async () => {
    let handle: NodeJS.Timeout | undefined
    const warnings = await collectWarnings(() =>
      noTaskLeaks().run(() => (handle = setInterval(poll, 1000))),
    )
    clearInterval(handle)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]?.message).toMatch(/^Detected 1 leaked task\n\nLeaked task: interval "poll"/)
    expect((warnings[0] as Error & { code?: string }).code).toBe('LEAKSCOPE_TASK_LEAK')
  })

  test("'log' writes to the logger", async () => {
    const lines: unknown[] = []
    let handle: NodeJS.Timeout | undefined
    await noTaskLeaks({ action: 'log', logger: { warn: (line: unknown) => lines.push(line) } }).run(
      () => (handle = setInterval(poll, 1000)),
    )
    clearInterval(handle)
    expect(lines).toHaveLength(1)
    expect(String(lines[0])).toContain('Leaked task: interval "poll"')
  })

  test("'cancel' reports, then clears timers and closes handles", async () => {
    let handle: NodeJS.Timeout | undefined
    const warnings = await collectWarnings(() =>
      noTaskLeaks({ action: 'cancel' }).run(() => (handle = setInterval(poll, 1000))),
    )
    expect(warnings[0]?.message).toContain('(cancelled by leakscope)')
    expect((handle as unknown as { _destroyed: boolean })._destroyed).toBe(true)
  })

  test("'throw' and its alias 'raise' reject with TaskLeakError (toJSON gives the report model)", async () => {
    for (const action of ['throw', 'raise'] as const) {
      const error = (await noTaskLeaks({ action })
        .run(() => setInterval(poll, 1000))
        .catch((e: unknown) => e)) as TaskLeakError
      expect(error).toBeInstanceOf(TaskLeakError)
      expect(error.taskCount).toBe(1)
      const json = JSON.parse(JSON.stringify(error)) as {
        version: number
        detector: string
        tasks: LeakedTask[]
      }
      expect(json).toMatchObject({
        version: 1,
        detector: 'tasks',
        tasks: [{ kind: 'interval', name: 'poll' }],
      })
      expect(structuredClone(error.leakedTasks[0]?.toJSON())).toEqual(json.tasks[0])
      expect(error.message.split('\n').some((line) => /^\s*at /.test(line))).toBe(false)
      error.leakedTasks.forEach((t) => t.cancel())
    }
  })

  test('the body’s own error is never hidden; the leak report is warned and attached', async () => {
    let handle: NodeJS.Timeout | undefined
    const bodyError = new Error('body failed')
    let caught: unknown
    const warnings = await collectWarnings(async () => {
      caught = await noTaskLeaks({ action: 'throw' })
        .run(() => {
          handle = setInterval(poll, 1000)
          throw bodyError
        })
        .catch((e: unknown) => e)
    })
    clearInterval(handle)
    expect(caught).toBe(bodyError)
    expect((caught as { leakscope?: unknown }).leakscope).toBeInstanceOf(TaskLeakError)
    expect(warnings).toHaveLength(1)
  })

  test('nameFilter keeps only matching names, as a string or a RegExp', async () => {
    const handles: NodeJS.Timeout[] = []
    const byString = noTaskLeaks({ action: 'log', logger: { warn() {} }, nameFilter: 'worker' })
    const byRegExp = noTaskLeaks({
      action: 'log',
      logger: { warn() {} },
      nameFilter: /^worker-\d+$/,
    })
    handles.push(setInterval(function worker() {}, 1000))
    const named = Object.defineProperty(() => {}, 'name', { value: 'worker-7' })
    handles.push(setInterval(named, 1000), setInterval(poll, 1000))
    const [a, b] = [await byString.check(), await byRegExp.check()]
    handles.forEach(clearInterval)
    expect(a.map((t) => t.name)).toEqual(['worker'])
    expect(b.map((t) => t.name)).toEqual(['worker-7'])
  })

  test('kinds limits tracking; creationStacks: false skips stacks', async () => {
    const scope = noTaskLeaks({
      action: 'log',
      logger: { warn() {} },
      kinds: ['immediate'],
      grace: 0,
      creationStacks: false,
    })
    const interval = setInterval(poll, 1000)
    const immediate = setImmediate(poll)
    const leaks = await scope.check()
    clearInterval(interval)
    clearImmediate(immediate)
    expect(leaks.map((t) => t.kind)).toEqual(['immediate'])
    expect(leaks[0]?.creationStack).toBeUndefined()
  })
})
