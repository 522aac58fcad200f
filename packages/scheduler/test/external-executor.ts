import type { Executor } from '@taskgraph/scheduler'
import { isPool } from './pools.js'

/**
 * An executor from another package that the behavioural suites run on in place of the
 * built-in ones: the default export of the module whose path is in
 * TASKGRAPH_TEST_EXECUTOR, a function that makes one per test file. That package runs
 * this package's suites with a vitest config of its own (the cluster's
 * vitest.suites.config.ts), so this package never depends on it.
 */
export interface ExternalExecutor {
  /** Its name in test titles. */
  readonly name: string
  /**
   * Made before the test file's tests are collected: `describe` blocks take it as they
   * are. It need not work before `start`.
   */
  readonly executor: Executor
  /**
   * Whether it runs every call in workers (other threads, processes or machines): tasks
   * then get copies of their arguments, and no call may run on the test's own thread.
   */
  readonly runsInWorkers: boolean
  /**
   * The code of the warning it emits when it runs a function no worker can import on
   * the calling thread instead; `undefined` if it has no such fallback.
   */
  readonly fallbackWarning: string | undefined
  /**
   * Readies it, after the test file's top level has run: workers started now inherit
   * the environment the file set (recordCalls() in helpers.ts).
   */
  start(): Promise<void>
  /** Stops it and everything it started, after the file's tests. */
  stop(): Promise<void>
}

/** The variable naming the module of an external executor. */
export const EXTERNAL_EXECUTOR_VARIABLE = 'TASKGRAPH_TEST_EXECUTOR'

async function load(): Promise<ExternalExecutor | undefined> {
  const path = process.env[EXTERNAL_EXECUTOR_VARIABLE]
  if (path === undefined || path === '') return undefined
  const module = (await import(/* @vite-ignore */ path)) as {
    default: () => Promise<ExternalExecutor>
  }
  return module.default()
}

/** The external executor of this test file, if TASKGRAPH_TEST_EXECUTOR names one. */
export const EXTERNAL: ExternalExecutor | undefined = await load()

/**
 * Whether the named executor runs every call in workers, never on the calling thread:
 * the pools, and an external executor that says so.
 */
export function runsInWorkers(name: string): boolean {
  return isPool(name) || (name === EXTERNAL?.name && EXTERNAL.runsInWorkers)
}
