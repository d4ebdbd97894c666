// IndexedDB connections (kind 'indexeddb'): `indexedDB.open(name)` is pending from the call until
// the connection it opens is closed (`db.close()`, or the browser closing it: its 'close' event)
// or the open fails. A connection left open blocks every later version upgrade of that database,
// in this page and in the user's other tabs ('blocked' events), and keeps its resources: the
// same leak as a socket never closed. The item's name is the database name. Connections are held
// weakly. `'cancel'` closes the connection; an open still under way is closed as it opens, so the
// page's request fails with an AbortError, as a cancelled fetch does.
import type { BrowserTaskKind } from '../shared/model.js'
import { ownAddEventListener } from './listeners.js'
import type { TrackedItem } from './registry.js'
import {
  callPreviousFor,
  definePatch,
  fault,
  keepIdentity,
  patchEnding,
  trackItem,
} from './track.js'

type Method = (this: unknown, ...args: unknown[]) => unknown

interface Connection {
  database: WeakRef<object> | undefined
  // 'cancel' came before the connection opened: close it as soon as it does.
  closeWhenOpen: boolean
}

const globals = globalThis as {
  IDBFactory?: { prototype: object }
  IDBDatabase?: { prototype: object }
}
const nativeClose = (globals.IDBDatabase?.prototype as { close?: Method } | undefined)?.close
const byDatabase = new WeakMap<object, TrackedItem>()

function closeNow(connection: Connection): void {
  const database = connection.database?.deref()
  if (database !== undefined && nativeClose !== undefined) Reflect.apply(nativeClose, database, [])
}

function follow(request: object, item: TrackedItem, connection: Connection): void {
  const opened = (): void => {
    const database = (request as { result?: unknown }).result
    if (typeof database !== 'object' || database === null || connection.database !== undefined)
      return
    connection.database = new WeakRef(database)
    byDatabase.set(database, item)
    ownAddEventListener?.call(database, 'close', () => item.complete(), { once: true })
    if (connection.closeWhenOpen) closeNow(connection)
  }
  // 'upgradeneeded' hands over the connection before 'success'.
  ownAddEventListener?.call(request, 'upgradeneeded', opened, { once: true })
  ownAddEventListener?.call(request, 'success', opened, { once: true })
  ownAddEventListener?.call(request, 'error', () => item.complete(), { once: true })
}

const openPatch = definePatch(globals.IDBFactory?.prototype, 'open', (patch, original) => {
  const open = function (this: unknown, ...args: unknown[]): unknown {
    let item: TrackedItem | undefined
    const connection: Connection = { database: undefined, closeWhenOpen: false }
    try {
      item = trackItem('indexeddb', String(args[0]), 'open', open, () => {
        if (connection.database === undefined) connection.closeWhenOpen = true
        else closeNow(connection)
      })
      if (item !== undefined) {
        item.detail = `indexedDB.open(${JSON.stringify(String(args[0]))})`
        // A connection that was garbage-collected is closed.
        item.alive = () =>
          connection.database === undefined || connection.database.deref() !== undefined
      }
    } catch (error) {
      fault(error)
      item = undefined
    }
    const request = callPreviousFor(item, patch, this, args)
    if (item !== undefined) {
      try {
        if (typeof request === 'object' && request !== null) follow(request, item, connection)
        else item.complete()
      } catch (error) {
        fault(error)
        item.complete()
      }
    }
    return request
  }
  return keepIdentity(open, original)
})

patchEnding(globals.IDBDatabase?.prototype, 'close', (self) =>
  typeof self === 'object' && self !== null ? byDatabase.get(self) : undefined,
)

/** 'indexeddb' where this global has `indexedDB`. */
export const INDEXEDDB_KINDS: readonly BrowserTaskKind[] =
  openPatch === undefined ? [] : ['indexeddb']
