import { expect, test } from 'vitest'
import { sourceLocation } from 'leakscope'

test('a position in a script file is its line and column', () => {
  const text = 'function a() {}\nfunction spin() {\n  while (true) {}\n}\n'
  expect(sourceLocation(text, text.indexOf('spin'), 'spin')).toEqual({ line: 2, column: 10 })
  expect(sourceLocation(text, 0)).toEqual({ line: 1, column: 1 })
  expect(sourceLocation(text, -1)).toBeUndefined()
  expect(sourceLocation(text, 1.5)).toBeUndefined()
})

test('in HTML, the position counts from the inline <script> that holds the function', () => {
  const html = [
    '<!doctype html>',
    '<script src="/app.js"></script>',
    '<script>',
    'function first() {}',
    '</script>',
    '<p>text</p>',
    '<script type="module">',
    '  const x = 1',
    '  function onClick() { block() }',
    '</script>',
  ].join('\n')
  const second = '\n  const x = 1\n  function onClick() { block() }\n'
  const position = second.indexOf('onClick')
  expect(sourceLocation(html, position, 'onClick')).toEqual({ line: 9, column: 12 })
  // Without a name, the first inline script long enough to hold the position.
  const first = '\nfunction first() {}\n'
  expect(sourceLocation(html, first.indexOf('first'))).toEqual({ line: 4, column: 10 })
  expect(sourceLocation('<!doctype html><p>no scripts</p>', 3)).toBeUndefined()
})
