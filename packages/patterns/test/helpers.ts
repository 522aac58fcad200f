import { expect } from 'vitest'

/** What a promise rejects with; fails the test if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  return expect.unreachable('expected a rejection')
}

/** Resolves after the event loop has had a turn (timers, I/O, immediates). */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
