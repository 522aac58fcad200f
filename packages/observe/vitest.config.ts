import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A trace of 100,000 records is made, written, read and checked in one test: on two
    // cores loaded by other suites that can take longer than vitest's 5 s default.
    testTimeout: 30_000,
  },
})
