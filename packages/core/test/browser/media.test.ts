// Chromium's fake camera and microphone (launch flags in vitest.config.ts).
import { describe, expect, test } from 'vitest'
import { noTaskLeaks } from 'leakscope'
import { firstFramePath, quiet } from './helpers.js'

// Read at load, while no scope is open.
const native = MediaDevices.prototype.getUserMedia

function openCamera(): Promise<MediaStream> {
  return navigator.mediaDevices.getUserMedia({ video: true, audio: true })
}

describe('media capture (getUserMedia, getDisplayMedia)', () => {
  test('a stream whose tracks were never stopped is a leak, at the line that asked for it', async () => {
    const scope = noTaskLeaks({ ...quiet, grace: 0 })
    const stream = await openCamera()
    const leaks = await scope.check()
    expect(leaks.map((t) => [t.kind, t.name, t.state, t.detail])).toEqual([
      ['media-stream', 'getUserMedia', 'open', 'getUserMedia: audio + video tracks live'],
    ])
    expect(firstFramePath(leaks[0])).toMatch(/media\.test\.ts$/)
    expect(leaks[0]?.creationStack?.[0]?.functionName).toBe('openCamera')
    // 'cancel' stops the capture.
    leaks[0]?.cancel()
    expect(stream.getTracks().map((track) => track.readyState)).toEqual(['ended', 'ended'])
  })

  test('stopping every track ends it (no event fires for stop()): clean', async () => {
    const scope = noTaskLeaks({ action: 'throw', grace: 0 })
    const stream = await openCamera()
    for (const track of stream.getTracks()) track.stop()
    await expect(scope.check()).resolves.toEqual([])
  })

  test('one track still live is still a leak, and names that track', async () => {
    const scope = noTaskLeaks({ ...quiet, grace: 0 })
    const stream = await openCamera()
    stream.getAudioTracks().forEach((track) => track.stop())
    const leaks = await scope.check()
    stream.getTracks().forEach((track) => track.stop())
    expect(leaks.map((t) => t.detail)).toEqual(['getUserMedia: video track live'])
  })

  test('a refused or impossible request is not a leak, and the page still gets its error', async () => {
    const scope = noTaskLeaks({ action: 'throw', grace: 0 })
    // No audio and no video: the browser rejects with a TypeError.
    await expect(navigator.mediaDevices.getUserMedia({})).rejects.toThrow(TypeError)
    // No such camera.
    await expect(
      navigator.mediaDevices.getUserMedia({ video: { deviceId: { exact: 'no-such-camera' } } }),
    ).rejects.toMatchObject({ name: 'OverconstrainedError' })
    await expect(scope.check()).resolves.toEqual([])
  })

  test('a screen capture left running is a leak too; stopped, it is clean', async () => {
    const scope = noTaskLeaks({ ...quiet, grace: 0 })
    // Chromium's fake capture UI grants it without a prompt.
    const left = await navigator.mediaDevices.getDisplayMedia({ video: true })
    const stopped = await navigator.mediaDevices.getDisplayMedia({ video: true })
    stopped.getTracks().forEach((track) => track.stop())
    const leaks = await scope.check()
    left.getTracks().forEach((track) => track.stop())
    expect(leaks.map((t) => [t.name, t.detail])).toEqual([
      ['getDisplayMedia', 'getDisplayMedia: video track live'],
    ])
  })

  test('a capture asked for before the scope, or with the kind not wanted, is not tracked', async () => {
    const before = await openCamera()
    const scope = noTaskLeaks({ action: 'throw', grace: 0, kinds: ['timeout'] })
    const during = await openCamera()
    await expect(scope.check()).resolves.toEqual([])
    for (const track of [...before.getTracks(), ...during.getTracks()]) track.stop()
  })

  test('the patch is restored exactly after the last scope', async () => {
    expect(String(native)).toContain('[native code]')
    const scope = noTaskLeaks({ action: 'throw', grace: 0 })
    expect(MediaDevices.prototype.getUserMedia).not.toBe(native)
    expect(MediaDevices.prototype.getUserMedia.name).toBe('getUserMedia')
    expect(MediaDevices.prototype.getUserMedia.length).toBe(native.length)
    await scope.check()
    expect(MediaDevices.prototype.getUserMedia).toBe(native)
  })
})
