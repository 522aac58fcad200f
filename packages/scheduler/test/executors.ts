import { afterAll, beforeAll } from 'vitest'
import type { Executor, ExecutorName } from '@taskgraph/scheduler'
import { EXTERNAL } from './external-executor.js'
import { POOLS, isPool, makePool } from './pools.js'

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

/**
 * The executors of the suites that other packages run on their executors too
 * (behaviour.test.ts, random-dags.test.ts): every built-in one, or only the external
 * executor when TASKGRAPH_TEST_EXECUTOR names one (external-executor.ts).
 */
export const SUITE_EXECUTORS: readonly string[] =
  EXTERNAL === undefined ? EXECUTORS : [EXTERNAL.name]

/** The executors that run tasks on the calling thread. */
export const IN_PROCESS = ['inline', 'async'] as const satisfies readonly ExecutorName[]

/**
 * The executors that run a function no worker can import on the calling thread instead,
 * each with the code of the warning it emits then.
 */
export const FALLBACKS: readonly (readonly [name: string, warning: string])[] =
  EXTERNAL === undefined
    ? POOLS.map((name) => [name, 'TASKGRAPH_MAIN_THREAD'] as const)
    : EXTERNAL.fallbackWarning === undefined
      ? []
      : [[EXTERNAL.name, EXTERNAL.fallbackWarning]]

const pools = new Map<string, Executor>()

/**
 * The executor to pass as `executor`: the name itself for in-process executors, and
 * for pools one two-worker instance per test file, so many small runs do not each
 * start workers. Pools close after the file's tests.
 */
export function shared(name: string): ExecutorName | Executor {
  if (name === EXTERNAL?.name) return EXTERNAL.executor
  if (!isPool(name)) return name as ExecutorName
  let pool = pools.get(name)
  if (pool === undefined) {
    pool = makePool(name)
    pools.set(name, pool)
  }
  return pool
}

if (EXTERNAL !== undefined) {
  const external = EXTERNAL
  beforeAll(() => external.start())
  afterAll(() => external.stop())
}

afterAll(async () => {
  await Promise.all([...pools.values()].map(async (pool) => pool.close?.()))
  pools.clear()
})
