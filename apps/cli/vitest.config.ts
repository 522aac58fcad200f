import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Every test here spawns the built CLI, often twice, while the other packages' tests
    // load the same cores: 5 s is too little on a busy 2-core machine.
    testTimeout: 30_000,
    // Hooks start servers and workers (a redis-server and cluster workers), as slowly.
    hookTimeout: 30_000,
    // The tests mostly wait on the processes they spawn: more test files at once than
    // cores keeps the cores busy (the default is one file per core).
    maxWorkers: 3,
    // And at most two tests at once within a file (concurrent describes): each spawns a
    // CLI that may start a pool, and timed checks (exit within 2 s of Ctrl-C) must not
    // wait behind a dozen others for a core.
    maxConcurrency: 2,
    // The type tests (test/*.test-d.ts) are checked by the package's typecheck (tsc over
    // src and test), which `pnpm test` runs: not again here.
  },
})
