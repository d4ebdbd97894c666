// Camera, microphone and screen capture (kind 'media-stream'): `navigator.mediaDevices`'
// `getUserMedia()` and `getDisplayMedia()`. A capture is pending from the call until every track
// of the stream it resolved with has ended (`track.stop()`, the device unplugged, the user ending
// a screen share), or until its promise rejects (refused, no device): a component unmounted
// without stopping its tracks leaves the camera light on, which is this leak.
//
// The tracks are held weakly: leakscope must not keep a stream alive (Chromium ends the capture
// of a track that was garbage-collected). `track.stop()` fires no 'ended' event, so liveness is
// read when a report asks. Tracks the page derives from the stream (`track.clone()`,
// `stream.clone()`) are captures of their own and are not followed. `'cancel'` stops the live
// tracks.
import type { BrowserTaskKind } from '../shared/model.js'
import type { TrackedItem } from './registry.js'
import { callPreviousFor, definePatch, fault, keepIdentity, trackItem } from './track.js'

interface TrackLike {
  readonly kind: string
  readonly readyState: string
  stop(): void
}

type CaptureKey = 'getUserMedia' | 'getDisplayMedia'

const mediaDevicesPrototype = (globalThis as { MediaDevices?: { prototype: object } }).MediaDevices
  ?.prototype

function liveTracks(refs: readonly WeakRef<TrackLike>[]): TrackLike[] {
  const live: TrackLike[] = []
  for (const ref of refs) {
    const track = ref.deref()
    if (track !== undefined && track.readyState === 'live') live.push(track)
  }
  return live
}

// The tracks of one capture, once its stream arrived.
interface Capture {
  tracks: WeakRef<TrackLike>[] | undefined
}

function describeCapture(key: CaptureKey, capture: Capture): string {
  if (capture.tracks === undefined) return `${key}: waiting for the stream`
  const live = liveTracks(capture.tracks).map((track) => track.kind)
  return `${key}: ${live.length === 0 ? 'no' : live.join(' + ')} track${live.length === 1 ? '' : 's'} live`
}

function followStream(item: TrackedItem, capture: Capture, stream: unknown): void {
  const tracks = (stream as { getTracks?: () => TrackLike[] } | null)?.getTracks?.() ?? []
  capture.tracks = tracks.map((track) => new WeakRef(track))
  if (tracks.length === 0) item.complete()
}

function patchCapture(key: CaptureKey): boolean {
  const defined = definePatch(mediaDevicesPrototype, key, (patch, original) => {
    const captureMedia = function (this: unknown, ...args: unknown[]): unknown {
      let item: TrackedItem | undefined
      const capture: Capture = { tracks: undefined }
      try {
        item = trackItem('media-stream', key, 'open', captureMedia, () => {
          for (const track of liveTracks(capture.tracks ?? [])) track.stop()
        })
        if (item !== undefined) {
          // Waiting for the stream (a permission prompt) is pending too.
          item.alive = () => capture.tracks === undefined || liveTracks(capture.tracks).length > 0
          item.describe = () => describeCapture(key, capture)
        }
      } catch (error) {
        fault(error)
        item = undefined
      }
      const result = callPreviousFor(item, patch, this, args)
      const then = (result as { then?: unknown } | null)?.then
      if (item === undefined || typeof then !== 'function') {
        item?.complete()
        return result
      }
      const done = item
      // The page gets a promise chained on the native one: an unhandled refusal stays unhandled.
      return Reflect.apply(then, result, [
        (stream: unknown) => {
          try {
            followStream(done, capture, stream)
          } catch (error) {
            fault(error)
            done.complete()
          }
          return stream
        },
        (error: unknown) => {
          done.complete()
          throw error
        },
      ])
    }
    return keepIdentity(captureMedia, original)
  })
  return defined !== undefined
}

const userMedia = patchCapture('getUserMedia')
const displayMedia = patchCapture('getDisplayMedia')

/** 'media-stream' where this global has `navigator.mediaDevices` (pages in secure contexts). */
export const MEDIA_KINDS: readonly BrowserTaskKind[] =
  userMedia || displayMedia ? ['media-stream'] : []
