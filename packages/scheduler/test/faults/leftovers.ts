import type { Executor } from '@taskgraph/scheduler'
import { afterAll, beforeAll, expect } from 'vitest'
import { childProcesses, threadCount } from '../pools.js'

/** The threads and child processes of this process at one moment. */
export interface Running {
  readonly threads: number
  readonly children: readonly number[]
}

/** What runs now, to compare with once a pool made after this is closed. */
export function running(): Running {
  return { threads: threadCount(), children: childProcesses() }
}

/**
 * Checks that no worker started since `before` still runs: no more threads than then,
 * and no child process that was not there then.
 */
export function expectNothingLeft(before: Running): void {
  expect(threadCount()).toBeLessThanOrEqual(before.threads)
  expect(childProcesses().filter((pid) => !before.children.includes(pid))).toEqual([])
}

/**
 * Closes `executor` once the tests of the enclosing block have run, and checks that no
 * worker started since they began is left. A pool starts its workers at its first run,
 * so it may be made while the tests are collected.
 */
export function closeAfterTests(executor: Executor): void {
  let before: Running
  beforeAll(() => {
    before = running()
  })
  afterAll(async () => {
    await executor.close?.()
    expectNothingLeft(before)
  })
}
