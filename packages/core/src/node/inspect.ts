// Where a function is defined, through an in-thread inspector session. Used only when a leak is
// reported under `creationStacks: 'callback'`, never at creation. `Debugger.enable` is needed
// once to map script ids to URLs and is disabled again at once: a debugger left enabled makes
// every await several times slower.
import type inspector from 'node:inspector'
import type { StackFrame } from '../shared/model.js'

// Loaded at the first lookup, not with leakscope: a Vitest worker has not loaded the inspector,
// and most runs never report under `creationStacks: 'callback'`.
let inspectorModule: typeof inspector | undefined
function loadInspector(): typeof inspector {
  inspectorModule ??= process.getBuiltinModule('node:inspector')
  return inspectorModule
}

interface LocationValue {
  scriptId: string
  lineNumber: number
  columnNumber: number
}

interface PropertyDescriptorLike {
  name: string
  value?: { objectId?: string; value?: unknown }
}

const scriptUrls = new Map<string, string>()
const GLOBAL_KEY = '__leakscopeLocateFunction__'

function post<T>(session: inspector.Session, method: string, params: object): T {
  let result: T | undefined
  let failure: Error | null = null
  // An in-thread session answers synchronously.
  session.post(method, params, (error: Error | null, value?: object) => {
    failure = error
    result = value as T
  })
  if (failure !== null) throw failure
  if (result === undefined) throw new Error(`inspector: no synchronous answer to ${method}`)
  return result
}

function functionLocation(session: inspector.Session, fn: unknown): LocationValue | undefined {
  const globals = globalThis as Record<string, unknown>
  globals[GLOBAL_KEY] = fn
  try {
    const evaluated = post<{ result: { objectId?: string } }>(session, 'Runtime.evaluate', {
      expression: `globalThis.${GLOBAL_KEY}`,
      silent: true,
    })
    if (evaluated.result.objectId === undefined) return undefined
    const properties = post<{ internalProperties?: PropertyDescriptorLike[] }>(
      session,
      'Runtime.getProperties',
      { objectId: evaluated.result.objectId, ownProperties: true },
    )
    const location = properties.internalProperties?.find(
      (property) => property.name === '[[FunctionLocation]]',
    )?.value?.value
    return location as LocationValue | undefined
  } finally {
    delete globals[GLOBAL_KEY]
  }
}

/**
 * The definition site of `fn` as a stack frame (1-based line and column), or undefined when the
 * inspector is unavailable (for example under Node's permission model) or `fn` is native.
 */
export function locateFunction(fn: unknown): StackFrame | undefined {
  if (typeof fn !== 'function') return undefined
  const session = new (loadInspector().Session)()
  try {
    session.connect()
    const location = functionLocation(session, fn)
    if (location === undefined) return undefined
    if (!scriptUrls.has(location.scriptId)) {
      session.on(
        'Debugger.scriptParsed',
        (message: { params: { scriptId: string; url: string } }) =>
          scriptUrls.set(message.params.scriptId, message.params.url),
      )
      post(session, 'Debugger.enable', {})
      post(session, 'Debugger.disable', {})
    }
    const url = scriptUrls.get(location.scriptId)
    if (url === undefined || url === '') return undefined
    return {
      functionName: fn.name === '' ? '<anonymous>' : fn.name,
      url,
      line: location.lineNumber + 1,
      column: location.columnNumber + 1,
    }
  } catch {
    return undefined
  } finally {
    session.disconnect()
  }
}
