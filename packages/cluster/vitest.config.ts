import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each test file starts a redis-server and real `taskgraph worker` processes; fault
    // tests wait out leases. On a loaded CI machine that takes seconds.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Files start processes of their own: two at a time keeps a 2-core machine usable.
    maxWorkers: 2,
    execArgv: ['--no-warnings'],
  },
})
