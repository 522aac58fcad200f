// @ts-check
import js from '@eslint/js'
import nodePlugin from 'eslint-plugin-n'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', '**/.turbo/**', '**/test/fixtures/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { n: nodePlugin },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Task functions are user code of any type: `Function` and `any` appear
      // deliberately at the boundary where we call them.
      '@typescript-eslint/no-unsafe-function-type': 'off',
      'n/prefer-node-protocol': 'error',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // The repository's own scripts run on Node.
    files: ['scripts/**/*.mjs'],
    languageOptions: {
      globals: nodePlugin.configs['flat/recommended-module'].languageOptions.globals,
    },
  },
  {
    // Browser scripts of the pages taskgraph makes: tsc checks them against the DOM
    // (their own tsconfig.json), which knows the browser's globals.
    files: ['packages/*/src/pages/**/*.js'],
    rules: { 'no-undef': 'off' },
  },
)
