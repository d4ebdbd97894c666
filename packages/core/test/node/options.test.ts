import { expect, test } from 'vitest'
import { noTaskLeaks } from 'leakscope'

const cases: [string, unknown, RegExp][] = [
  [
    'unknown action',
    { action: 'explode' },
    /invalid option "action": 'explode' \(expected 'warn', 'log', 'cancel', 'throw', 'raise'\)/,
  ],
  [
    'negative grace',
    { grace: -5 },
    /invalid option "grace": -5 \(expected a finite number of milliseconds >= 0\)/,
  ],
  ['grace of the wrong type', { grace: '10' }, /invalid option "grace": '10'/],
  [
    'nameFilter of the wrong type',
    { nameFilter: 3 },
    /invalid option "nameFilter": 3 \(expected a string \(exact name\) or a RegExp\)/,
  ],
  [
    'unknown kind',
    { kinds: ['timeout', 'observer'] },
    /invalid option "kinds": 'observer' \(expected one of 'timeout'/,
  ],
  ['empty kinds', { kinds: [] }, /invalid option "kinds": \[\]/],
  [
    'bad attribution',
    { attribution: 'thread' },
    /invalid option "attribution": 'thread' \(expected 'context' or 'global'\)/,
  ],
  [
    'bad logger',
    { logger: {} },
    /invalid option "logger": \{\} \(expected an object with a warn\(\) method/,
  ],
  [
    'misspelt option',
    { acton: 'throw' },
    /invalid option "acton": 'throw' \(expected one of the known options: action, logger/,
  ],
  [
    'contradicting aliases',
    { creationStacks: true, enableCreationTracking: false },
    /invalid option "enableCreationTracking"/,
  ],
  [
    'bad creationStacks',
    { creationStacks: 'yes' },
    /invalid option "creationStacks": 'yes' \(expected true, false or 'callback'\)/,
  ],
  [
    'bad stackFrames',
    { stackFrames: 0 },
    /invalid option "stackFrames": 0 \(expected an integer from 1 to 200\)/,
  ],
  [
    'ignore that is not a function',
    { ignore: true },
    /invalid option "ignore": true \(expected a function returning true for items to skip\)/,
  ],
  [
    'options that are not an object',
    'throw',
    /noTaskLeaks: options must be an object, got 'throw'/,
  ],
]

test.each(cases)(
  '%s throws a TypeError naming option, value and what is allowed',
  (_label, options, message) => {
    expect(() => noTaskLeaks(options as never)).toThrow(TypeError)
    expect(() => noTaskLeaks(options as never)).toThrow(message)
  },
)

test('valid options, aliases included, are accepted', async () => {
  const scope = noTaskLeaks({
    action: 'raise',
    grace: 0,
    enableCreationTracking: true,
    nameFilter: /x/,
    kinds: ['timeout', 'promise'],
    attribution: 'global',
    excludeUnref: false,
    stackFrames: 3,
  })
  expect(await scope.check()).toEqual([])
})
