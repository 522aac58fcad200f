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

/** A promise with its resolve function (`Promise.withResolvers` needs Node 22). */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}

/** Resolves after the event loop has had a turn (timers, I/O, immediates). */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/** A promise that never settles: a task stuck forever. */
export function never(): Promise<never> {
  return new Promise<never>(() => {})
}
