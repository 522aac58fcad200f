import { delayed } from '@taskgraph/core'
import { execFile } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, test } from 'vitest'
import {
  AsyncExecutor,
  CancelledError,
  Client,
  compute,
  TimeoutError,
  type TaskInfo,
} from '@taskgraph/scheduler'
import { deferred, rejection } from './helpers.js'

/** Async tasks that record how many of them are in flight at once. */
function counted() {
  let inFlight = 0
  let most = 0
  const wait = async (i: number, ms = 20): Promise<number> => {
    most = Math.max(most, ++inFlight)
    await sleep(ms)
    inFlight--
    return i
  }
  return { wait, task: delayed(wait, { pure: false }), most: () => most }
}

const run = promisify(execFile)

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i)

describe('an AsyncExecutor shared by runs', () => {
  test('keeps at most its concurrency in flight across two computes at once', async () => {
    const executor = new AsyncExecutor({ concurrency: 3 })
    const { task, most } = counted()
    const [first, second] = await Promise.all([
      compute(
        range(6).map((i) => task(i)),
        { executor },
      ),
      compute(
        range(6, 10).map((i) => task(i)),
        { executor },
      ),
    ])
    expect(first).toEqual([range(6)])
    expect(second).toEqual([range(6, 10)])
    expect(most()).toBe(3)
  })

  test('holds many calls in flight without a warning about listeners', async () => {
    const warnings: string[] = []
    const listener = (warning: Error) => warnings.push(warning.name)
    process.on('warning', listener)
    try {
      const { task } = counted()
      const [results] = await compute(
        range(40).map((i) => task(i)),
        { executor: new AsyncExecutor({ concurrency: 40 }) },
      )
      expect(results).toEqual(range(40))
      // Warnings are emitted on a later turn.
      await sleep(10)
    } finally {
      process.off('warning', listener)
    }
    expect(warnings).toEqual([])
  })

  test("keeps a Client's futures together within its concurrency", async () => {
    const { wait, most } = counted()
    const named = new Client({ executor: 'async', concurrency: 2 })
    expect(await Promise.all(named.map(wait, range(8)))).toEqual(range(8))
    expect(most()).toBe(2)
    const other = counted()
    const given = new Client({ executor: new AsyncExecutor({ concurrency: 3 }) })
    expect(await Promise.all(given.map(other.wait, range(9)))).toEqual(range(9))
    expect(other.most()).toBe(3)
  })

  test('a task that computes on its own executor gives its room to the tasks it waits for', async () => {
    for (const concurrency of [1, 2]) {
      const executor = new AsyncExecutor({ concurrency })
      const { task, most } = counted()
      const outer = delayed(
        async (k: number) => {
          const [parts] = await compute(
            range(3).map((i) => task(10 * k + i)),
            { executor },
          )
          return parts.reduce((a, b) => a + b, 0)
        },
        { pure: false },
      )
      const [sums] = await compute(
        range(3).map((k) => outer(k)),
        { executor },
      )
      expect(sums).toEqual([3, 33, 63])
      // The waiting tasks hold no room: the work in flight stays within the limit.
      expect(most()).toBeLessThanOrEqual(concurrency)
    }
  })

  test('runs a compute nested through another executor, which starts tasks on the first', async () => {
    const first = new AsyncExecutor({ concurrency: 1 })
    const second = new AsyncExecutor({ concurrency: 1 })
    const leaf = delayed((x: number) => x + 1, { pure: false })
    const middle = delayed(async (x: number) => (await compute(leaf(x), { executor: first }))[0], {
      pure: false,
    })
    const top = delayed(async (x: number) => (await compute(middle(x), { executor: second }))[0], {
      pure: false,
    })
    expect(await compute(top(1), top(2), { executor: first })).toEqual([2, 3])
  })

  test('a call that waits for room begins when it starts: hooks and timeouts count from then', async () => {
    const executor = new AsyncExecutor({ concurrency: 1 })
    const events: string[] = []
    const hold = delayed(
      async () => {
        await sleep(400)
        events.push('held task ends')
        return 'held'
      },
      { pure: false },
    )
    const quick = delayed(() => 'quick', { pure: false }).with({ key: 'quick' })
    const holding = compute(hold(), { executor })
    const waited = compute(quick(), {
      executor,
      timeout: 150,
      hooks: { onTaskStart: (task: TaskInfo) => events.push(`${task.key} starts`) },
    })
    expect(await Promise.all([holding, waited])).toEqual([['held'], ['quick']])
    expect(events).toEqual(['held task ends', 'quick starts'])
    // Once started, the time limit holds as before.
    const slow = delayed(() => sleep(300).then(() => 'late'), { pure: false })
    const late = compute(slow(), { executor, timeout: 50 })
    expect(await rejection(late)).toBeInstanceOf(TimeoutError)
  })

  test('a cancelled run drops its waiting call, and gives back the room of its running one', async () => {
    const executor = new AsyncExecutor({ concurrency: 1 })
    const never = deferred<string>()
    const stuck = delayed(() => never.promise, { pure: false })
    const quick = delayed((x: number) => x, { pure: false })
    const cancelStuck = new AbortController()
    const cancelWaiting = new AbortController()
    const stuckRun = compute(stuck(), { executor, signal: cancelStuck.signal })
    const waitingRun = compute(quick(1), { executor, signal: cancelWaiting.signal })
    const nextRun = compute(quick(2), { executor })
    await sleep(50)
    cancelWaiting.abort()
    expect(await rejection(waitingRun)).toBeInstanceOf(CancelledError)
    cancelStuck.abort()
    expect(await rejection(stuckRun)).toBeInstanceOf(CancelledError)
    // The stuck task still runs (nothing can stop it), but no longer holds the executor.
    expect(await nextRun).toEqual([2])
    never.resolve('done')
  })

  test('a task that times out gives its room back: the retry and the next run start', async () => {
    const executor = new AsyncExecutor({ concurrency: 2 })
    const never = deferred<number>()
    let calls = 0
    // The first two calls never end: each is abandoned at its timeout, and still runs.
    const flaky = delayed((x: number) => (++calls <= 2 ? never.promise : x), {
      pure: false,
      timeout: 50,
      retries: 1,
    })
    expect(await compute([flaky(1), flaky(2)], { executor })).toEqual([[1, 2]])
    const quick = delayed((x: number) => x * 10, { pure: false })
    expect(await compute([quick(1), quick(2), quick(3)], { executor })).toEqual([[10, 20, 30]])
    never.resolve(0)
  })

  test('tasks that stall give their room back to the next run', async () => {
    const program = fileURLToPath(new URL('fixtures/stalls-then-runs.mjs', import.meta.url))
    const { stdout } = await run(process.execPath, [program], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      timeout: 20_000,
    })
    expect(JSON.parse(stdout)).toEqual({ stalled: 'ERR_TASK_STALLED', next: [7] })
  })
})
