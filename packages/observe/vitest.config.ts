import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The 100,000-record trace is built, written and checked in one test: on two busy
    // cores that can take longer than vitest's 5 s default.
    testTimeout: 60_000,
  },
})
