import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The tests write and read real files, and start runs of flows in processes (each
    // with its pool), beside the cluster's and CLI's suites on a busy machine: two runs
    // of a flow on processes took past 30 s there.
    testTimeout: 60_000,
  },
})
