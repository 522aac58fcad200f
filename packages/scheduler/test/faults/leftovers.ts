import type { Executor } from '@taskgraph/scheduler'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, expect } from 'vitest'
import { childProcesses, threadCount, threadNames } from '../pools.js'

/** The threads and child processes of this process at one moment. */
export interface Running {
  readonly threads: readonly string[]
  readonly children: readonly number[]
}

/** What runs now, to compare with once a pool made after this is closed. */
export function running(): Running {
  return { threads: threadNames(), children: childProcesses() }
}

/**
 * How long a thread may stay listed once the pool that ran it has closed. Node has joined
 * a worker's thread when it reports its exit, and a leaked worker stays for good; yet a
 * CI run on Node 24 once found one thread more at once, not reproduced since (on Node 20
 * and 24, loaded or not): the wait tells a thread at the end of its exit from a worker left.
 */
const THREAD_SETTLE_MS = 2000

/**
 * Checks that no worker started since `before` still runs: no more threads than then
 * (named, so that a failure says which), and no child process that was not there then.
 */
export async function expectNothingLeft(before: Running): Promise<void> {
  const until = Date.now() + THREAD_SETTLE_MS
  while (threadCount() > before.threads.length && Date.now() < until) await sleep(20)
  const now = threadNames()
  const said = `threads now: ${now.join(', ')}; before: ${before.threads.join(', ')}`
  expect(now.length, said).toBeLessThanOrEqual(before.threads.length)
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
    await expectNothingLeft(before)
  })
}
