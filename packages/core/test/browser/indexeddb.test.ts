import { describe, expect, test } from 'vitest'
import { noTaskLeaks } from 'leakscope'
import { firstFramePath, quiet } from './helpers.js'

let serial = 0
const freshName = (): string => `leakscope-test-${Date.now()}-${++serial}`

function opened(request: IDBOpenDBRequest): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error ?? new Error('open failed'))
  })
}

function openStore(name: string): Promise<IDBDatabase> {
  return opened(indexedDB.open(name))
}

// Resolves with whether deleting the database had to wait for an open connection.
function deleteDatabase(name: string): Promise<'blocked' | 'deleted'> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(name)
    request.onblocked = () => resolve('blocked')
    request.onsuccess = () => resolve('deleted')
    request.onerror = () => reject(request.error ?? new Error('delete failed'))
  })
}

describe("IndexedDB connections (opt-in: kinds: ['indexeddb'])", () => {
  test('not tracked by default: a connection kept for the page is the idiomatic design', async () => {
    const name = freshName()
    const scope = noTaskLeaks({ action: 'throw', grace: 0 })
    const database = await openStore(name)
    await expect(scope.check()).resolves.toEqual([])
    database.close()
    await deleteDatabase(name)
  })

  test('a connection never closed is a leak, named after its database, at the line that opened it', async () => {
    const name = freshName()
    const scope = noTaskLeaks({ ...quiet, grace: 0, kinds: ['indexeddb'] })
    const database = await openStore(name)
    const leaks = await scope.check()
    expect(leaks.map((t) => [t.kind, t.name, t.state, t.detail])).toEqual([
      ['indexeddb', name, 'open', `indexedDB.open(${JSON.stringify(name)})`],
    ])
    expect(firstFramePath(leaks[0])).toMatch(/indexeddb\.test\.ts$/)
    expect(leaks[0]?.creationStack?.[0]?.functionName).toBe('openStore')
    // 'cancel' closes it for real: deleting the database no longer waits for it.
    leaks[0]?.cancel()
    await expect(deleteDatabase(name)).resolves.toBe('deleted')
    expect(database.name).toBe(name)
  })

  test('close() ends it, and so does a failed open: clean', async () => {
    const name = freshName()
    const scope = noTaskLeaks({ action: 'throw', grace: 0, kinds: ['indexeddb'] })
    const database = await opened(indexedDB.open(name, 2))
    database.close()
    // A lower version than the database has: the open fails with a VersionError.
    await expect(opened(indexedDB.open(name, 1))).rejects.toMatchObject({ name: 'VersionError' })
    await expect(scope.check()).resolves.toEqual([])
    await deleteDatabase(name)
  })

  test('a connection closed during its upgrade is not a leak', async () => {
    const name = freshName()
    const scope = noTaskLeaks({ action: 'throw', grace: 0, kinds: ['indexeddb'] })
    const request = indexedDB.open(name, 1)
    request.onupgradeneeded = () => request.result.close()
    await expect(opened(request)).rejects.toBeDefined()
    await expect(scope.check()).resolves.toEqual([])
    await deleteDatabase(name)
  })

  test('cancel before the connection opened closes it as it opens: the open fails', async () => {
    const name = freshName()
    const scope = noTaskLeaks({ ...quiet, grace: 0, kinds: ['indexeddb'] })
    const request = indexedDB.open(name)
    const database = opened(request)
    const leaks = await scope.check()
    expect(leaks.map((t) => [t.kind, t.name])).toEqual([['indexeddb', name]])
    leaks[0]?.cancel()
    await expect(database).rejects.toMatchObject({ name: 'AbortError' })
    await expect(deleteDatabase(name)).resolves.toBe('deleted')
  })
})
