import { afterAll } from 'vitest'
import type { Executor, ExecutorName } from '@taskgraph/scheduler'
import { isPool, makePool } from './pools.js'

/**
 * Every built-in executor: the behavioural suites run once per entry with
 * `describe.each(EXECUTORS)`, so a new executor is tested by adding its name here.
 */
export const EXECUTORS = [
  'inline',
  'async',
  'threads',
  'processes',
] as const satisfies readonly ExecutorName[]

/** The executors that run tasks on the calling thread. */
export const IN_PROCESS = ['inline', 'async'] as const satisfies readonly ExecutorName[]

const pools = new Map<string, Executor>()

/**
 * The executor to pass as `executor`: the name itself for in-process executors, and
 * for pools one two-worker instance per test file, so many small runs do not each
 * start workers. Pools close after the file's tests.
 */
export function shared(name: ExecutorName): ExecutorName | Executor {
  if (!isPool(name)) return name
  let pool = pools.get(name)
  if (pool === undefined) {
    pool = makePool(name)
    pools.set(name, pool)
  }
  return pool
}

afterAll(async () => {
  await Promise.all([...pools.values()].map(async (pool) => pool.close?.()))
  pools.clear()
})
