/**
 * `@leakscope/playwright` will provide Playwright Test fixtures that install leakscope in each
 * page and fail tests whose pages leak. Nothing is implemented yet: this constant only keeps
 * the package building and publishable.
 */
export const placeholder = 'leakscope-playwright' as const
