// Type-level checks of the module augmentation (compiled by tsconfig.test.json, never run).
import '@leakscope/vitest'
import { expect, test } from 'vitest'

test('typed meta', { meta: { leakscope: { tasks: { grace: 10 }, action: 'warn' } } }, () => {})
test('opt-out', { meta: { leakscope: { skip: 'reason' } } }, () => {})
// @ts-expect-error grace is a number
test('bad meta type', { meta: { leakscope: { tasks: { grace: 'slow' } } } }, () => {})
// @ts-expect-error unknown action
test('bad action', { meta: { leakscope: { action: 'explode' } } }, () => {})

export async function matcher(): Promise<void> {
  await expect(async () => {}).not.toLeak()
  await expect(() => {}).toLeak({ workers: false })
  // @ts-expect-error unknown detector
  await expect(() => {}).toLeak({ threads: true })
}
