// A camera preview. The leaky preview removes its <video> on unmount but never stops the
// stream's tracks: the camera stays on (and its light with it) after the component is gone.
import { element } from '../widget.ts'
import type { Widget } from '../widget.ts'

export const leaks = 'Asks for the camera on mount and never stops its tracks.'
export const fix = 'Stops every track of the stream on unmount.'

function preview(host: HTMLElement, variant: 'leaky' | 'fixed') {
  const video = element('video', '', { 'data-testid': `video-${variant}`, muted: '' })
  const status = element('output', 'asking for the camera', { 'data-testid': `camera-${variant}` })
  const show = (stream: MediaStream): void => {
    video.srcObject = stream
    status.textContent = 'camera on'
  }
  const fail = (error: unknown): void => {
    status.textContent = `no camera: ${String(error)}`
  }
  return { video, status, show, fail, mount: () => host.append(status, video) }
}

export function leaky(host: HTMLElement): Widget {
  const view = preview(host, 'leaky')
  return {
    mount() {
      view.mount()
      navigator.mediaDevices.getUserMedia({ video: true }).then(view.show, view.fail) // LEAK
    },
    unmount() {
      view.video.remove()
      view.status.remove()
    },
  }
}

export function fixed(host: HTMLElement): Widget {
  const view = preview(host, 'fixed')
  let stream: MediaStream | undefined
  let mounted = false
  const stop = (media: MediaStream): void => {
    for (const track of media.getTracks()) track.stop()
  }
  return {
    mount() {
      mounted = true
      view.mount()
      navigator.mediaDevices.getUserMedia({ video: true }).then((media) => {
        // Unmounted while the browser was still asking: stop what arrived late.
        if (!mounted) stop(media)
        else {
          stream = media
          view.show(media)
        }
      }, view.fail)
    },
    unmount() {
      mounted = false
      if (stream !== undefined) stop(stream)
      stream = undefined
      view.video.srcObject = null
      view.video.remove()
      view.status.remove()
    },
  }
}
