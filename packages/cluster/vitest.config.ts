import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each test file starts a redis-server and real `taskgraph worker` processes; fault
    // tests wait out leases. On a loaded CI machine that takes seconds.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Files start processes of their own, and mostly wait (for leases to lapse, records to
    // expire): three at a time keep a 2-core machine busy and usable.
    maxWorkers: 3,
    execArgv: ['--no-warnings'],
  },
})
