import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeEach, expect } from 'vitest'
import { place } from './fixtures/call-log.mjs'
import { runsInWorkers } from './external-executor.js'

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

/** A call a fixture task recorded (fixtures/call-log.mjs). */
export interface Call {
  readonly name: string
  readonly detail?: unknown
  /** Where it ran: `pid:threadId`. */
  readonly place: string
}

/** This thread, as fixtures/call-log.mjs names a place. */
export const HERE = place()

/** What a test file reads of the calls its fixture tasks made. */
export interface CallLog {
  /**
   * The calls made since the current test began, in the order they were made (and any a
   * worker was still recording from the test before: wait for those with `until`).
   */
  calls(): Call[]
  /** Their task names. */
  names(): string[]
  /** How many calls of task `name` were made. */
  count(name: string): number
  /**
   * Resolves with the calls once `done(calls)` holds: for calls a worker may still be
   * making after the run ended. Bounded by the test's timeout.
   */
  until(done: (calls: Call[]) => boolean): Promise<Call[]>
  /** A new empty directory, e.g. for the `tick` fixture's counter. */
  directory(): string
}

/**
 * Has the fixture tasks of this test file record their calls (fixtures/call-log.mjs), and
 * empties the record before each test. Call it at the top level of the test file: the
 * workers of pools inherit the environment when they start, so it must be set before.
 */
export function recordCalls(): CallLog {
  const dir = mkdtempSync(join(tmpdir(), 'taskgraph-calls-'))
  const file = join(dir, 'calls.jsonl')
  writeFileSync(file, '')
  process.env.TASKGRAPH_TEST_CALLS = file
  beforeEach(() => writeFileSync(file, ''))
  afterAll(() => {
    delete process.env.TASKGRAPH_TEST_CALLS
    rmSync(dir, { recursive: true, force: true })
  })
  const calls = (): Call[] =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Call)
  return {
    calls,
    names: () => calls().map((call) => call.name),
    count: (name) => calls().filter((call) => call.name === name).length,
    async until(done) {
      for (;;) {
        const seen = calls()
        if (done(seen)) return seen
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
    },
    directory: () => mkdtempSync(join(dir, 'counter-')),
  }
}

/**
 * On an executor that runs calls in workers (a pool, the cluster), checks after each test
 * of the enclosing `describe` that every call recorded ran in a worker, never on this
 * thread: such an executor runs a function it cannot find in a worker on this thread
 * instead, and the suites must not pass by that fallback.
 */
export function expectCallsInWorkers(log: CallLog, executor: string): void {
  if (!runsInWorkers(executor)) return
  afterEach(() => {
    expect(log.calls().filter((call) => call.place === HERE)).toEqual([])
  })
}
