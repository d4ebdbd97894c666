import { spawn } from 'node:child_process'
import dgram from 'node:dgram'
import dns from 'node:dns'
import fs from 'node:fs'
import { once } from 'node:events'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { noTaskLeaks } from 'leakscope'
import { firstFrame } from './helpers.js'

const quiet = { action: 'log', logger: { warn() {} } } as const

async function listening(server: net.Server): Promise<number> {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return (server.address() as net.AddressInfo).port
}

describe('servers and sockets', () => {
  test('a server left listening is reported with the line that called listen()', async () => {
    const scope = noTaskLeaks(quiet)
    const server = net.createServer()
    await listening(server)
    const leaks = await scope.check()
    server.close()
    expect(leaks.map((t) => [t.kind, t.state])).toEqual([['server', 'open']])
    expect(leaks[0]?.detail).toMatch(/^127\.0\.0\.1:\d+$/)
    expect(firstFrame(leaks[0]).file).toMatch(/handles\.test\.ts$/)
  })

  test('a closed server is clean, even when close() finishes on a later tick', async () => {
    const scope = noTaskLeaks({ action: 'throw' })
    const server = net.createServer()
    await listening(server)
    server.close()
    expect(await scope.check()).toEqual([])
  })

  test('a client socket left open is reported (and the connection it accepted)', async () => {
    const server = net.createServer()
    const port = await listening(server)
    const scope = noTaskLeaks(quiet)
    const socket = net.connect(port, '127.0.0.1')
    await once(socket, 'connect')
    const leaks = await scope.check()
    socket.destroy()
    server.close()
    // The client socket, and the server side of the connection: accepted sockets inherit the
    // context of their server, which was created outside this scope, so only the client counts.
    expect(leaks.map((t) => t.kind)).toEqual(['socket'])
    expect(firstFrame(leaks[0]).file).toMatch(/handles\.test\.ts$/)
  })

  test('a destroyed client socket is clean', async () => {
    const server = net.createServer((connection) => connection.destroy())
    const port = await listening(server)
    const scope = noTaskLeaks({ action: 'throw' })
    const socket = net.connect(port, '127.0.0.1')
    await once(socket, 'connect')
    socket.destroy()
    await once(socket, 'close')
    expect(await scope.check()).toEqual([])
    server.close()
  })

  test('connections accepted by a leaked server belong to the server’s scope', async () => {
    const scope = noTaskLeaks(quiet)
    const server = net.createServer()
    const port = await listening(server)
    const client = net.connect(port, '127.0.0.1')
    await once(server, 'connection')
    const leaks = await scope.check()
    client.destroy()
    server.close()
    expect(leaks.map((t) => t.kind).sort()).toEqual(['server', 'socket', 'socket'])
  })

  test('a UDP socket left bound is reported; a closed one is clean', async () => {
    const leaky = noTaskLeaks(quiet)
    const socket = dgram.createSocket('udp4')
    socket.bind(0, '127.0.0.1')
    await once(socket, 'listening')
    const leaks = await leaky.check()
    expect(leaks.map((t) => t.kind)).toEqual(['udp-socket'])

    const clean = noTaskLeaks({ action: 'throw' })
    const other = dgram.createSocket('udp4')
    other.bind(0, '127.0.0.1')
    await once(other, 'listening')
    other.close()
    expect(await clean.check()).toEqual([])
    socket.close()
  })
})

describe('watchers, child processes and requests', () => {
  test('an fs watcher left open is reported; a closed one is clean', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-'))
    const leaky = noTaskLeaks(quiet)
    const watcher = fs.watch(dir)
    const leaks = await leaky.check()
    expect(leaks.map((t) => t.kind)).toEqual(['fs-watcher'])
    expect(firstFrame(leaks[0]).file).toMatch(/handles\.test\.ts$/)
    watcher.close()

    const clean = noTaskLeaks({ action: 'throw' })
    fs.watch(dir).close()
    const poller = (): void => {}
    fs.watchFile(dir, { interval: 50 }, poller)
    fs.unwatchFile(dir, poller)
    expect(await clean.check()).toEqual([])
    fs.rmSync(dir, { recursive: true })
  })

  test('a watchFile() poller left running is reported', async () => {
    const file = path.join(os.tmpdir(), `leakscope-${process.pid}.txt`)
    fs.writeFileSync(file, 'x')
    const scope = noTaskLeaks(quiet)
    fs.watchFile(file, { interval: 50 }, () => {})
    const leaks = await scope.check()
    fs.unwatchFile(file)
    fs.rmSync(file)
    expect(leaks.map((t) => t.kind)).toEqual(['fs-watcher'])
  })

  test('a child process still running is reported once (not its stdio pipes), with its command', async () => {
    const scope = noTaskLeaks(quiet)
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'])
    const leaks = await scope.check()
    child.kill()
    await once(child, 'exit')
    expect(leaks.map((t) => t.kind)).toEqual(['child-process'])
    expect(leaks[0]?.detail).toContain(`pid ${child.pid}`)
    expect(firstFrame(leaks[0]).file).toMatch(/handles\.test\.ts$/)
  })

  test('a child process that exited, or was killed and reaped, is clean', async () => {
    const scope = noTaskLeaks({ action: 'throw' })
    const quick = spawn(process.execPath, ['-e', ''])
    const killed = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'])
    killed.kill()
    await Promise.all([once(quick, 'close'), once(killed, 'close')])
    expect(await scope.check()).toEqual([])
  })

  test('an fs request in flight is reported without grace; an awaited one is clean', async () => {
    const leaky = noTaskLeaks({ ...quiet, grace: 0 })
    const done = new Promise((resolve) => fs.readFile(process.execPath, resolve))
    const leaks = await leaky.check()
    await done
    expect(leaks.map((t) => [t.kind, t.state])).toEqual([['fs-request', 'in-flight']])
    expect(leaks[0]?.cancel()).toBe(false)

    const clean = noTaskLeaks({ action: 'throw' })
    await fs.promises.readFile(process.execPath)
    expect(await clean.check()).toEqual([])
  })

  test('a dns lookup in flight is reported without grace; an awaited one is clean', async () => {
    const leaky = noTaskLeaks({ ...quiet, grace: 0 })
    const done = new Promise((resolve) => dns.lookup('localhost', resolve))
    const leaks = await leaky.check()
    await done
    expect(leaks.map((t) => [t.kind, t.detail])).toEqual([['dns-request', 'lookup localhost']])

    // The request leaves Node's list only after its callback returns: the grace covers that.
    const clean = noTaskLeaks({ action: 'throw' })
    await dns.promises.lookup('localhost')
    expect(await clean.check()).toEqual([])
  })
})

describe('promises (opt-in)', () => {
  test('a never-settled promise is reported once, at its root, only when the kind is asked for', async () => {
    const withPromises = noTaskLeaks({ ...quiet, kinds: ['promise'] })
    const never = new Promise(() => {})
    void never.then(() => {})
    await Promise.resolve(1)
    const leaks = await withPromises.check()
    expect(leaks.map((t) => [t.kind, t.state])).toEqual([['promise', 'pending']])
    expect(firstFrame(leaks[0]).file).toMatch(/handles\.test\.ts$/)

    const byDefault = noTaskLeaks({ action: 'throw' })
    void new Promise(() => {})
    expect(await byDefault.check()).toEqual([])
  })

  test('settled promises are clean', async () => {
    const scope = noTaskLeaks({ action: 'throw', kinds: ['promise'] })
    await new Promise((resolve) => setTimeout(resolve, 1))
    await Promise.all([Promise.resolve(1), Promise.reject(new Error('x')).catch(() => 2)])
    expect(await scope.check()).toEqual([])
  })
})
