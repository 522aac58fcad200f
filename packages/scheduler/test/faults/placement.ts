import { threadId } from 'node:worker_threads'
import type { ExecutorName } from '@taskgraph/scheduler'
import { expect } from 'vitest'

/** Where a task ran, as the fixture tasks report it. */
export interface Where {
  readonly pid: number
  readonly threadId: number
}

/**
 * Checks that a task ran where the executor `name` runs tasks: in a worker thread, in a
 * child process, or on this thread for in-process executors (a task a pool cannot send
 * to a worker would run here too, so this tells the two apart).
 */
export function expectRanOn(name: ExecutorName, where: Where): void {
  if (name === 'processes') {
    expect(where.pid).not.toBe(process.pid)
    return
  }
  expect(where.pid).toBe(process.pid)
  if (name === 'threads') expect(where.threadId).not.toBe(threadId)
  else expect(where.threadId).toBe(threadId)
}
