// @ts-check
import { builtinModules } from 'node:module'
import js from '@eslint/js'
import { defineConfig } from 'eslint/config'
import tseslint from 'typescript-eslint'

const core = 'packages/core/src'

/** Node built-ins, bare (`fs`, `fs/promises`) and with the `node:` scheme. */
const nodeBuiltinImports = {
  paths: builtinModules
    .filter((name) => !name.startsWith('_'))
    .map((name) => ({
      name,
      message: 'Node built-ins are not allowed here: shared and browser code must run in browsers.',
    })),
  patterns: [
    {
      group: ['node:*'],
      message: 'node: imports are not allowed here: shared and browser code must run in browsers.',
    },
  ],
}

const domGlobals = ['window', 'document', 'self', 'global'].map((name) => ({
  name,
  message: `\`${name}\` is not portable between Node.js and browsers: use \`globalThis\`.`,
}))

export default defineConfig(
  {
    ignores: [
      '**/dist/**',
      'extension/dist-firefox/**',
      '**/node_modules/**',
      '.ci/node24/**',
      'coverage/**',
      'test-results/**',
      'playwright-report/**',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    // `await using _ = noTaskLeaks()` is the idiom for a scope that is never referenced.
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { varsIgnorePattern: '^_', argsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: {
      globals: Object.fromEntries(
        [
          'console',
          'process',
          'URL',
          'performance',
          'setTimeout',
          'clearTimeout',
          'setInterval',
          'clearInterval',
          'setImmediate',
          'clearImmediate',
          'queueMicrotask',
          'structuredClone',
          'AbortController',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
  {
    // The e2e compat fixture pages: plain page scripts, with the globals of a page and of the
    // libraries they load as classic scripts.
    files: ['e2e/compat/**/*.js'],
    languageOptions: {
      globals: Object.fromEntries(
        ['window', 'document', 'Event', 'MutationObserver', 'XMLHttpRequest', 'Zone', 'jQuery'].map(
          (name) => [name, 'readonly'],
        ),
      ),
    },
  },
  {
    files: [`${core}/shared/**/*.ts`, `${core}/browser/**/*.ts`],
    rules: {
      'no-restricted-imports': ['error', nodeBuiltinImports],
      '@typescript-eslint/no-restricted-imports': 'off',
    },
  },
  {
    files: [`${core}/shared/**/*.ts`, `${core}/node/**/*.ts`],
    rules: {
      'no-restricted-globals': ['error', ...domGlobals],
    },
  },
)
