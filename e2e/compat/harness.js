// The fixture pages' controls, the same for every library: per variant ('leaky', 'fixed') a
// mount and an unmount button and a state line, so one spec helper drives every page. The
// library code under test gets a fresh host element at each mount; the harness removes it after
// the library's own unmount ran, as an app's router would.
export function widget(variant, { mount, unmount }) {
  const section = document.createElement('section')
  const title = document.createElement('h2')
  title.textContent = `${variant} widget`
  const state = document.createElement('p')
  state.dataset.testid = `state-${variant}`
  state.textContent = 'unmounted'
  let host
  const mountButton = button(`mount-${variant}`, 'mount', () => {
    if (host !== undefined) return
    host = document.createElement('div')
    host.dataset.testid = `host-${variant}`
    section.append(host)
    mount(host)
    state.textContent = 'mounted'
  })
  const unmountButton = button(`unmount-${variant}`, 'unmount', () => {
    if (host === undefined) return
    unmount(host)
    host.remove()
    host = undefined
    state.textContent = 'unmounted'
  })
  section.append(title, mountButton, unmountButton, state)
  document.querySelector('#app').append(section)
}

function button(testid, text, onClick) {
  const element = document.createElement('button')
  element.type = 'button'
  element.dataset.testid = testid
  element.textContent = text
  element.addEventListener('click', onClick)
  return element
}

/** Tells the spec that the page's script ran to its end. */
export function ready() {
  document.querySelector('#app').dataset.ready = 'true'
}
