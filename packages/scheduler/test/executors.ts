import type { ExecutorName } from '../src/index.js'

/**
 * Every built-in executor: the behavioural suites run once per entry with
 * `describe.each(EXECUTORS)`, so a new executor is tested by adding its name here.
 */
export const EXECUTORS = ['inline', 'async'] as const satisfies readonly ExecutorName[]
