/**
 * `@leakscope/vitest` will provide a Vitest plugin and per-test hooks that fail tests which
 * leave timers, handles, listeners or promises behind. Nothing is implemented yet: this
 * constant only keeps the package building and publishable.
 */
export const placeholder = 'leakscope-vitest' as const
