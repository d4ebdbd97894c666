// jQuery widgets: handlers bound with .on() on window and on the widget's own elements, and a
// request through $.get to the fixture server. The leaky widget never calls .off() on window.
import { ready, widget } from './harness.js'

const $ = globalThis.jQuery

for (const variant of ['leaky', 'fixed']) {
  function measure() {
    $(`[data-testid=width-${variant}]`).text(`width: ${window.innerWidth}`)
  }
  widget(variant, {
    mount(host) {
      const $host = $(host)
      $host.append(
        $('<p>').attr('data-testid', `width-${variant}`).text('width: 0'),
        $('<p>').attr('data-testid', `echo-${variant}`).text('echo: (waiting)'),
        $('<button type="button">').attr('data-testid', `click-${variant}`).text('clicked 0'),
      )
      let clicks = 0
      // Bound on the widget's own element: jQuery drops it when the element is removed.
      $host.on('click', 'button', function count() {
        $(this).text(`clicked ${++clicks}`)
      })
      if (variant === 'leaky')
        $(window).on('resize', measure) // LEAK listener
      else $(window).on('resize', measure)
      measure()
      $.get('/api/echo', { text: `jquery ${variant}` }).done((data) => {
        $(`[data-testid=echo-${variant}]`).text(`echo: ${data.echo}`)
      })
    },
    unmount(host) {
      if (variant === 'fixed') $(window).off('resize', measure)
      // What an app does before dropping a widget's DOM: jQuery unbinds the element's handlers.
      $(host).remove()
    },
  })
}

ready()
