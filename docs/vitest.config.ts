import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each test runs a snippet in a Node process of its own, some with worker pools, and
    // the snippets are transpiled first: slow on a busy machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
