import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The tests write and read real files, beside the other suites on a busy machine.
    testTimeout: 30_000,
  },
})
