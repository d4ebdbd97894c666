// Builds the page for the current path: the home page lists the routes; a route's page shows its
// leaky widget and its fixed counterpart, each with mount and unmount buttons. Ids and test ids:
// `mount-leaky`, `unmount-leaky`, `state-leaky`, `host-leaky` (and the same with `fixed`).
import { routes } from './routes/index.ts'
import { element } from './widget.ts'
import type { Route, WidgetFactory } from './widget.ts'

type Variant = 'leaky' | 'fixed'

const app = document.querySelector<HTMLElement>('#app')
const nav = document.querySelector<HTMLElement>('#nav')
if (app === null || nav === null) throw new Error('index.html lacks #app or #nav')

const path = location.pathname.replace(/\/+$/, '') || '/'
for (const route of routes) {
  const link = element('a', route.path.slice(1), { href: route.path })
  if (route.path === path) link.setAttribute('aria-current', 'page')
  nav.append(link)
}

const current = routes.find((route) => route.path === path)
if (current !== undefined) showRoute(app, current)
else if (path === '/') showHome(app)
else app.append(element('h1', 'Not found'), element('p', `No route ${path}.`))
app.dataset.ready = 'true'

function showHome(main: HTMLElement): void {
  main.append(
    element('h1', 'leakscope playground'),
    element(
      'p',
      'Each route has a widget that leaks and its fixed counterpart. Mount, unmount, and ' +
        'see what leakscope reports.',
    ),
  )
  const list = element('ul')
  for (const route of routes) {
    const item = element('li')
    item.append(
      element('a', route.title, { href: route.path }),
      element('span', ` — ${route.leaks}`),
    )
    list.append(item)
  }
  main.append(list)
}

function showRoute(main: HTMLElement, route: Route): void {
  document.title = `${route.title} · leakscope playground`
  main.append(element('h1', route.title), element('p', `Source: playground/${route.source}`))
  const panels = element('div', '', { class: 'panels' })
  panels.append(panel('leaky', route.leaks, route.leaky), panel('fixed', route.fix, route.fixed))
  main.append(panels)
}

function panel(variant: Variant, text: string, factory: WidgetFactory): HTMLElement {
  const section = element('section', '', { id: variant, class: variant })
  const mount = element('button', 'Mount', {
    id: `mount-${variant}`,
    'data-testid': `mount-${variant}`,
  })
  const unmount = element('button', 'Unmount', {
    id: `unmount-${variant}`,
    'data-testid': `unmount-${variant}`,
  })
  const state = element('output', 'unmounted', {
    id: `state-${variant}`,
    'data-testid': `state-${variant}`,
  })
  const host = element('div', '', { id: `host-${variant}`, 'data-testid': `host-${variant}` })
  const widget = factory(host)
  unmount.disabled = true
  mount.addEventListener('click', () => {
    widget.mount()
    mount.disabled = true
    unmount.disabled = false
    state.textContent = 'mounted'
  })
  unmount.addEventListener('click', () => {
    widget.unmount()
    mount.disabled = false
    unmount.disabled = true
    state.textContent = 'unmounted'
  })
  section.append(element('h2', variant), element('p', text), mount, unmount, state, host)
  return section
}
