import { REPORT_MODEL_VERSION, type DetectorName, type LeakReportData } from './model.js'
import type { ResolvedCommonOptions } from './options.js'
import type { LeakError } from './report.js'

/** The few things a scope needs from its platform. */
export interface PlatformHooks {
  /** Node: `process.emitWarning` with type `LeakscopeWarning`; browsers: `console.warn`. */
  warn(message: string, code: string): void
  /**
   * Every ended scope's report, clean or not (browsers: handed to an injected leakscope agent,
   * so the DevTools panel shows the page's own scopes). Absent where nobody listens.
   */
  ended?(report: LeakReportData, detector: string): void
}

let faultReported = false

/**
 * leakscope's own failures must never break the host program: the first one is reported, the
 * rest are dropped, and the caller carries on as if nothing had been found.
 */
export function reportInternalFault(platform: PlatformHooks, error: unknown): void {
  if (faultReported) return
  faultReported = true
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error)
  try {
    platform.warn(
      `leakscope hit an internal error and stopped reporting for this scope; please report it.\n${detail}`,
      'LEAKSCOPE_INTERNAL',
    )
  } catch {
    // Nowhere left to report to; staying silent beats breaking the host.
  }
}

export interface FindingsPolicy<F> {
  detector: string
  /** The report model's name for this detector. */
  kind: DetectorName
  code: string
  makeError(findings: readonly F[]): LeakError
  /** Stops one finding (clear, close, terminate); undefined when the detector cannot. */
  cancel: ((finding: F) => void) | undefined
}

/**
 * Ends-once lifecycle shared by every detector: `check()`, `run()`, `await using`. The
 * detector supplies `finish()`, which stops collecting and returns what leaked.
 */
export abstract class LeakScope<F> {
  readonly #options: ResolvedCommonOptions
  readonly #policy: FindingsPolicy<F>
  readonly #platform: PlatformHooks
  #collected: Promise<readonly F[]> | undefined

  constructor(options: ResolvedCommonOptions, policy: FindingsPolicy<F>, platform: PlatformHooks) {
    this.#options = options
    this.#policy = policy
    this.#platform = platform
  }

  /** Stops collecting; resolves with what is still pending once the grace period allows. */
  protected abstract finish(): readonly F[] | Promise<readonly F[]>
  /** Runs `fn` inside the scope's own async context. */
  protected abstract runInScope<T>(fn: () => T): T

  /** True once the scope has started ending. */
  get ended(): boolean {
    return this.#collected !== undefined
  }

  /**
   * Ends the scope (once), applies the action and resolves with the findings. Later calls
   * return the same findings without acting again.
   */
  check(): Promise<readonly F[]> {
    return this.#end(false)
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#end(false)
  }

  /**
   * Runs `fn` inside the scope and ends the scope when it settles. The body's own error is
   * never hidden: it propagates, and the findings are still warned about.
   */
  async run<T>(fn: () => T): Promise<Awaited<T>> {
    if (typeof fn !== 'function')
      throw new TypeError(`${this.#policy.detector}: run() needs a function, got ${typeof fn}`)
    let value: Awaited<T>
    try {
      value = await this.runInScope(fn)
    } catch (error) {
      await this.#end(true, error)
      throw error
    }
    await this.#end(false)
    return value
  }

  #end(bodyFailed: boolean, bodyError?: unknown): Promise<readonly F[]> {
    if (this.#collected !== undefined) return this.#collected
    // finish() runs synchronously, before this method creates any promise: it stops collecting
    // first, so the scope's own machinery is never among its findings.
    let findings: readonly F[] | Promise<readonly F[]>
    try {
      findings = this.finish()
    } catch (error) {
      reportInternalFault(this.#platform, error)
      findings = []
    }
    this.#collected = Promise.resolve(findings).then(
      (list) => Object.freeze([...list]),
      (error: unknown) => {
        reportInternalFault(this.#platform, error)
        return Object.freeze([]) as readonly F[]
      },
    )
    return this.#collected.then((list) => {
      const error = list.length === 0 ? undefined : this.#policy.makeError(list)
      this.#publish(error)
      if (error !== undefined) this.#act(list, error, bodyFailed, bodyError)
      return list
    })
  }

  #publish(error: LeakError | undefined): void {
    const ended = this.#platform.ended
    if (ended === undefined) return
    try {
      ended(error?.toJSON() ?? emptyReport(this.#policy.kind), this.#policy.detector)
    } catch (failure) {
      reportInternalFault(this.#platform, failure)
    }
  }

  #act(findings: readonly F[], error: LeakError, bodyFailed: boolean, bodyError: unknown): void {
    const { action, logger } = this.#options
    if (action === 'throw' && !bodyFailed) throw error
    if (bodyFailed) attachReport(bodyError, error)
    if (action === 'log') {
      logger.warn(error.message)
      return
    }
    if (action === 'cancel') {
      const { cancel } = this.#policy
      const note =
        cancel === undefined
          ? '(leakscope cannot cancel these; reported only)'
          : '(cancelled by leakscope)'
      this.#platform.warn(`${error.message}\n\n${note}`, this.#policy.code)
      if (cancel !== undefined)
        for (const finding of findings) cancelQuietly(cancel, finding, this.#platform)
      return
    }
    this.#platform.warn(error.message, this.#policy.code)
  }
}

function emptyReport(detector: DetectorName): LeakReportData {
  return { version: REPORT_MODEL_VERSION, detector, tasks: [], workers: [], blocks: [] }
}

function cancelQuietly<F>(cancel: (finding: F) => void, finding: F, platform: PlatformHooks): void {
  try {
    cancel(finding)
  } catch (error) {
    reportInternalFault(platform, error)
  }
}

/** The report rides along on the body's error, so a failing test still shows what leaked. */
function attachReport(bodyError: unknown, report: LeakError): void {
  if (bodyError === null || typeof bodyError !== 'object' || !Object.isExtensible(bodyError)) return
  try {
    Object.defineProperty(bodyError, 'leakscope', {
      value: report,
      configurable: true,
      enumerable: false,
      writable: true,
    })
  } catch {
    // A frozen or exotic error keeps its shape; the warning still carries the report.
  }
}

// `this: never` accepts methods whatever their `this` type.
type AnyFunction = (this: never, ...args: never[]) => unknown

export interface DetectorStatics<O> {
  /** Returns a function that runs `fn` inside a fresh scope on every call. */
  wrap<A extends unknown[], R, This = unknown>(
    fn: (this: This, ...args: A) => R,
    options?: O,
  ): (this: This, ...args: A) => Promise<Awaited<R>>
  /** Method decorator (TC39 standard or TypeScript `experimentalDecorators`). */
  decorator(
    options?: O,
  ): MethodDecorator &
    (<V extends AnyFunction>(value: V, context: ClassMethodDecoratorContext) => V)
}

export type Detector<O, S> = ((options?: O) => S) & DetectorStatics<O>

/**
 * Builds a detector function with `.wrap` and `.decorator`. Options are validated where they
 * are given (so `wrap` and `decorator` fail at definition, not at the first call).
 */
export function createDetector<O, Resolved, S extends { run<T>(fn: () => T): Promise<Awaited<T>> }>(
  name: string,
  resolve: (options: O | undefined) => Resolved,
  openResolved: (options: Resolved) => S,
): Detector<O, S> {
  const open = (options?: O): S => openResolved(resolve(options))
  const wrap = <A extends unknown[], R, This>(fn: (this: This, ...args: A) => R, options?: O) => {
    if (typeof fn !== 'function')
      throw new TypeError(`${name}.wrap: expected a function, got ${typeof fn}`)
    const resolved = resolve(options)
    const wrapped = function (this: This, ...args: A): Promise<Awaited<R>> {
      return openResolved(resolved).run(() => fn.apply(this, args))
    }
    Object.defineProperty(wrapped, 'name', { value: fn.name, configurable: true })
    Object.defineProperty(wrapped, 'length', { value: fn.length, configurable: true })
    return wrapped
  }
  const decorator = (options?: O) => {
    resolve(options)
    return function decorate(
      target: unknown,
      context: unknown,
      descriptor?: PropertyDescriptor,
    ): unknown {
      if (descriptor !== undefined && typeof descriptor.value === 'function') {
        descriptor.value = wrap(descriptor.value as AnyFunction, options)
        return descriptor
      }
      if (
        typeof target === 'function' &&
        typeof context === 'object' &&
        context !== null &&
        (context as { kind?: unknown }).kind === 'method'
      ) {
        return wrap(target as AnyFunction, options)
      }
      throw new TypeError(`${name}.decorator: only methods can be decorated`)
    }
  }
  return Object.assign(open, { wrap, decorator }) as unknown as Detector<O, S>
}
