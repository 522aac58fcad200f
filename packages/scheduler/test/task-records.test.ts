import { threadId } from 'node:worker_threads'
import { describe, expect, test } from 'vitest'
import {
  compute,
  type ComputeHooks,
  type Executor,
  type ResultCache,
  type TaskCall,
  type TaskRecord,
  type TaskWorker,
} from '@taskgraph/scheduler'
import { withRecordSink, type RecordedTasks, type RecordSink } from '@taskgraph/scheduler/internal'
import { EXECUTORS, shared } from './executors.js'
import { sleepThen, step, throws, timedBusy, where } from './fixtures/pool-tasks.mjs'
import { isPool } from './pools.js'

/**
 * Hooks that keep every task record of a run: given to the hook as objects, or written
 * to the sink the hook stands for (as a Profiler's are), most as a node and two times.
 */
function collector(
  path: 'hook' | 'sink',
): () => { records: TaskRecord[]; hooks: ComputeHooks; open: () => number } {
  return () => {
    const records: TaskRecord[] = []
    if (path === 'hook') {
      return { records, hooks: { onTaskRecord: (record) => records.push(record) }, open: () => 0 }
    }
    const runs: { tasks: RecordedTasks; executor: string; worker: TaskWorker; open: boolean }[] = []
    // A run writes nothing once it has closed.
    const openRun = (run: number): (typeof runs)[number] => {
      const opened = runs[run]!
      if (!opened.open) throw new Error(`run ${run} wrote a record after it closed`)
      return opened
    }
    const sink: RecordSink = {
      open: (tasks, executor, worker) => runs.push({ tasks, executor, worker, open: true }) - 1,
      done(run, node, startedAt, endedAt) {
        const { tasks, executor, worker } = openRun(run)
        records.push({
          ...{ key: tasks.key(node), name: tasks.name(node), executor, worker, attempt: 1 },
          ...{ queuedAt: startedAt, startedAt, endedAt, status: 'done' },
        })
      },
      write(run, record) {
        openRun(run)
        records.push(record)
      },
      close: (run) => (openRun(run).open = false),
    }
    // Never called: a run writes to the sink instead (a call would fail the run).
    const onTaskRecord = withRecordSink(() => {
      throw new Error('the hook of a record sink was called')
    }, sink)
    return { records, hooks: { onTaskRecord }, open: () => runs.filter((run) => run.open).length }
  }
}

const KINDS = { inline: 'main', async: 'main', threads: 'thread', processes: 'process' } as const

describe.each(
  EXECUTORS.flatMap((name) => (['hook', 'sink'] as const).map((path) => [name, path] as const)),
)('task records on %s, through the %s', (name, path) => {
  const executor = shared(name)
  const collect = collector(path)

  test('one per task, where it ran, its times in order', async () => {
    const { records, hooks, open } = collect()
    const tags = ['a', 'b', 'c', 'd'].map((tag) => where.with({ key: `where-${tag}` })(tag))
    const ran = await compute(...tags, { executor, hooks })
    expect(records.map((record) => record.key).sort()).toEqual(tags.map((tag) => tag.key).sort())
    for (const record of records) {
      const place = ran.find((found) => `where-${found.tag}` === record.key)!
      expect(record).toMatchObject({
        name: 'where',
        executor: name,
        attempt: 1,
        status: 'done',
        worker: {
          kind: KINDS[name],
          // Where the task said it ran.
          pid: place.pid,
          threadId: place.threadId,
        },
      })
      expect(record.queuedAt).toBeLessThanOrEqual(record.startedAt)
      expect(record.startedAt).toBeLessThanOrEqual(record.endedAt)
      expect(record.error).toBeUndefined()
    }
    // The run closed what it opened of a sink.
    expect(open()).toBe(0)
  })

  // A worker's busy 400 ms is recorded as the 400 ms it ran, whatever the tasks waited in
  // queues first (four tasks on two workers: two of them wait). Each task also times
  // itself: on a loaded machine a busy loop can be descheduled and run past 400 ms, and
  // the record must contain what the task saw, plus only what the worker does around the
  // call: a few ms on a quiet machine, a hundred and more under load (a fresh clone's CI,
  // the first call of a new worker), never the 400 ms a queued task waited for the one
  // before it.
  test('a task busy for 400 ms is recorded at the time it ran, not counting its wait', async () => {
    const { records, hooks } = collect()
    const busy = Array.from({ length: 4 }, (_, i) => timedBusy.with({ key: `busy-${i}` })(400))
    const own = await compute(...busy, { executor, hooks })
    expect(records).toHaveLength(4)
    for (const record of records) {
      const { start, end } = own[busy.findIndex((task) => task.key === record.key)]!
      expect(end - start).toBeGreaterThanOrEqual(400)
      // A worker process's clock can read a millisecond or more behind this one (each
      // process reads the epoch through its own time origin): its record then starts
      // when the call was queued, later than the task's own reading of its start.
      expect(record.startedAt).toBeLessThanOrEqual(Math.max(start, record.queuedAt) + 1)
      expect(record.endedAt).toBeGreaterThanOrEqual(end - 1)
      expect(record.endedAt - record.startedAt - (end - start)).toBeLessThan(300)
    }
  })

  test('a failed attempt and its retry each have a record, with the error', async () => {
    const { records, hooks, open } = collect()
    const failing = throws.with({ key: 'throws', retries: 1, retryDelay: 1 })('no luck')
    await expect(compute(failing, { executor, hooks })).rejects.toThrow()
    expect(records.map(({ key, attempt, status }) => ({ key, attempt, status }))).toEqual([
      { key: 'throws', attempt: 1, status: 'failed' },
      { key: 'throws', attempt: 2, status: 'failed' },
    ])
    for (const record of records) expect(String(record.error)).toContain('no luck')
    expect(open()).toBe(0)
  })

  test.runIf(isPool(name))(
    'each task of a fused chain has its own start and end, one after the other',
    async () => {
      const { records, hooks } = collect()
      let chain = step.with({ key: 'step-0' })([])
      for (let i = 1; i < 5; i++) chain = step.with({ key: `step-${i}` })(chain)
      await compute(chain, { executor, hooks })
      expect(records.map((record) => record.key)).toEqual([0, 1, 2, 3, 4].map((i) => `step-${i}`))
      // One worker ran them, each after the one before.
      expect(
        new Set(records.map((record) => record.worker.threadId + record.worker.pid)).size,
      ).toBe(1)
      for (let i = 1; i < records.length; i++) {
        expect(records[i]!.startedAt).toBeGreaterThanOrEqual(records[i - 1]!.endedAt)
      }
    },
  )

  test('a task whose result came from the cache of the run has one record, cached', async () => {
    const { records, hooks } = collect()
    const held = where.with({ key: 'where-held' })('held')
    // A cache that holds the task's result and stores nothing.
    const cache: ResultCache = {
      open: () =>
        Promise.resolve({
          known: new Map([['where-held', { tag: 'held', pid: 0, threadId: 0 }]]),
          stores: () => false,
          completed: () => {},
          close: () => Promise.resolve(),
        }),
    }
    await compute(held, { executor, hooks, cache })
    expect(records).toMatchObject([
      { key: 'where-held', name: 'where', executor: name, attempt: 1, status: 'cached' },
    ])
    const [record] = records
    expect(record!.startedAt).toBe(record!.queuedAt)
    expect(record!.endedAt).toBe(record!.startedAt)
  })

  test('calls the run stops waiting for are recorded as cancelled', async () => {
    const { records, hooks, open } = collect()
    const controller = new AbortController()
    const run = compute(sleepThen.with({ key: 'sleeps' })(10_000, 1), {
      executor,
      hooks: {
        ...hooks,
        onTaskStart: () => setTimeout(() => controller.abort(), 50),
      },
      signal: controller.signal,
    })
    await expect(run).rejects.toThrow(/cancel/i)
    expect(records).toMatchObject([{ key: 'sleeps', status: 'cancelled' }])
    // Where it ran, as the record of a call that ends says: it was named as this thread's.
    const { worker } = records[0]!
    if (name === 'threads') expect(worker).toMatchObject({ kind: 'thread', pid: process.pid })
    else if (name === 'processes') expect(worker.kind).toBe('process')
    else expect(worker).toMatchObject({ kind: 'main', pid: process.pid })
    if (isPool(name)) expect([worker.pid, worker.threadId]).not.toEqual([process.pid, threadId])
    expect(open()).toBe(0)
  })
})

describe('task records of a worker whose clock runs behind', () => {
  /**
   * A remote executor whose worker's clock reads `lag` ms earlier than the scheduler's,
   * as another process's time origin or another machine's clock can: it runs each call
   * here and reports its times by that clock, as a worker that measured them would.
   */
  class LaggingExecutor implements Executor {
    readonly name = 'lagging'
    readonly concurrency = 2
    readonly remote = true
    /** When each call began, by the scheduler's clock. */
    readonly began = new Map<string, number>()
    constructor(private readonly lag: number) {}

    run(call: TaskCall): unknown {
      const began = performance.timeOrigin + performance.now()
      this.began.set(call.key, began)
      const startedAt = began - this.lag
      const result: unknown = call.fn(...call.args)
      const worker = { kind: 'process', host: 'elsewhere', pid: 1, threadId: 0 } as const
      call.timed?.({ worker, steps: [startedAt, startedAt + 7] })
      return result
    }
  }

  test.each([0.05, 5000])(
    'starts no attempt before it was queued, keeping its duration (%s ms behind)',
    async (lag) => {
      const { records, hooks } = collector('hook')()
      const tasks = ['a', 'b', 'c'].map((tag) => where.with({ key: `lag-${tag}` })(tag))
      const executor = new LaggingExecutor(lag)
      await compute(...tasks, { executor, hooks })
      expect(records).toHaveLength(3)
      for (const record of records) {
        expect(record.worker.host).toBe('elsewhere')
        // Moved just far enough: to when it was queued if its clock said earlier.
        const reported = executor.began.get(record.key)! - lag
        expect(record.startedAt).toBeCloseTo(Math.max(record.queuedAt, reported), 6)
        expect(record.endedAt - record.startedAt).toBeCloseTo(7, 6)
      }
    },
  )
})
