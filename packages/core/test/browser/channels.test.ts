import { describe, expect, test } from 'vitest'
import { noTaskLeaks } from 'leakscope'
import { firstFramePath, quiet } from './helpers.js'

const wsUrl = `ws://${location.host}/__leakscope_test_socket__`

describe('open connections', () => {
  test('WebSocket, EventSource, BroadcastChannel and MessageChannel left open are leaks', async () => {
    const scope = noTaskLeaks({ ...quiet, grace: 0 })
    const socket = new WebSocket(wsUrl)
    const source = new EventSource('/__leakscope_test_events__')
    const channel = new BroadcastChannel('updates')
    const ports = new MessageChannel()
    ports.port1.onmessage = () => {}
    const leaks = await scope.check()
    socket.close()
    source.close()
    channel.close()
    ports.port1.close()
    expect(leaks.map((t) => [t.kind, t.name, t.state])).toEqual([
      ['websocket', 'websocket', 'open'],
      ['event-source', 'event-source', 'open'],
      ['broadcast-channel', 'updates', 'open'],
      ['message-port', 'message-port', 'open'],
    ])
    expect(leaks[0]?.detail).toBe(wsUrl)
    for (const leak of leaks) expect(firstFramePath(leak)).toMatch(/channels\.test\.ts$/)
    expect(socket).toBeInstanceOf(WebSocket)
  })

  test('closed connections are clean (either port closes a MessageChannel)', async () => {
    const scope = noTaskLeaks({ action: 'throw', grace: 0 })
    new WebSocket(wsUrl).close()
    new EventSource('/__leakscope_test_events__').close()
    new BroadcastChannel('updates').close()
    new MessageChannel().port2.close()
    expect(await scope.check()).toEqual([])
  })

  test('a socket the other side closed is not a leak', async () => {
    const scope = noTaskLeaks({ action: 'throw', grace: 2000 })
    // Nothing listens on port 9: the connection fails and the socket reaches CLOSED.
    const socket = new WebSocket('ws://127.0.0.1:9/')
    socket.onerror = () => {}
    expect(await scope.check()).toEqual([])
    expect(socket.readyState).toBe(WebSocket.CLOSED)
  })

  test("'cancel' closes them", async () => {
    const original = console.warn
    console.warn = () => {}
    const scope = noTaskLeaks({ action: 'cancel', grace: 0 })
    const channel = new BroadcastChannel('cancel-me')
    const source = new EventSource('/__leakscope_test_events__')
    await scope.check()
    console.warn = original
    expect(source.readyState).toBe(EventSource.CLOSED)
    expect(() => channel.postMessage(1)).toThrow()
  })
})

describe('RTCPeerConnection', () => {
  function startCall(): RTCPeerConnection {
    const connection = new RTCPeerConnection()
    connection.createDataChannel('chat')
    return connection
  }

  test('a peer connection never closed is a leak; a closed one is clean', async () => {
    const scope = noTaskLeaks({ ...quiet, grace: 0 })
    const left = startCall()
    startCall().close()
    const leaks = await scope.check()
    expect(leaks.map((t) => [t.kind, t.name, t.state, t.detail])).toEqual([
      ['rtc-peer-connection', 'rtc-peer-connection', 'open', 'RTCPeerConnection (new)'],
    ])
    expect(leaks[0]?.creationStack?.[0]?.functionName).toBe('startCall')
    expect(left).toBeInstanceOf(RTCPeerConnection)
    // 'cancel' closes it.
    leaks[0]?.cancel()
    expect(left.signalingState).toBe('closed')
  })

  test('an offer made and the connection closed: clean', async () => {
    const scope = noTaskLeaks({ action: 'throw', grace: 0 })
    const connection = startCall()
    await connection.setLocalDescription(await connection.createOffer())
    connection.close()
    await expect(scope.check()).resolves.toEqual([])
  })
})
