import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// The scheduler's behavioural suites, and the cache's random DAGs, run on the cluster
// executor: the executor, futures, returned-graph, continuation and random-DAG suites take their
// executor from the module TASKGRAPH_TEST_EXECUTOR names (the scheduler's
// test/external-executor.ts), so neither package depends on this one. Run from here
// (`pnpm test`), after this package's own tests.
export default defineConfig({
  root: fileURLToPath(new URL('../scheduler', import.meta.url)),
  test: {
    include: [
      'test/behaviour.test.ts',
      'test/random-dags.test.ts',
      'test/futures.test.ts',
      'test/returned-graphs.test.ts',
      'test/continuations.test.ts',
      '../cache/test/random-dags.test.ts',
    ],
    setupFiles: ['test/setup.ts'],
    env: {
      TASKGRAPH_TEST_EXECUTOR: fileURLToPath(new URL('test/suite-executor.ts', import.meta.url)),
    },
    // Each file starts a redis-server and two `taskgraph worker` processes.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
    execArgv: ['--no-warnings'],
  },
})
