import { InvalidOptionError, delayed } from '@taskgraph/core'
import { compute, type TaskWorker } from '@taskgraph/scheduler'
import { describe, expect, test } from 'vitest'
import {
  Profiler,
  ResourceProfiler,
  toChromeTrace,
  writeChromeTrace,
  type ProcessSample,
  type ResourceSample,
} from '../src/index.js'
import { T0, attempts, expectValidTrace, mainThread, poolThread, task, tracks } from './helpers.js'

describe('toChromeTrace', () => {
  test('gives each thread of a pool a track, named in a process for the program', () => {
    const trace = toChromeTrace([
      task({ key: 'load-1', worker: poolThread(2), start: 0, end: 10 }),
      task({ key: 'load-2', worker: poolThread(3), start: 1, end: 9 }),
      task({ key: 'load-3', worker: poolThread(2), start: 10, end: 15 }),
      task({ key: 'sum', worker: poolThread(3), start: 16, end: 17 }),
      task({ key: 'report', worker: mainThread, start: 17.5, end: 18 }),
    ])
    expectValidTrace(trace)
    expect(tracks(trace)).toMatchInlineSnapshot(`
      [
        "main (pid 4242) / main thread: report",
        "main (pid 4242) / thread 2: load-1 load-3",
        "main (pid 4242) / thread 3: load-2 sum",
      ]
    `)
  })

  test('a pool seen only through its threads is named for them', () => {
    const trace = toChromeTrace([task({ key: 'a', worker: poolThread(1), start: 0, end: 1 })])
    expect(tracks(trace)).toEqual(['threads of pid 4242 / thread 1: a'])
  })

  test('lays tasks that interleaved on the event loop out on the fewest lanes', () => {
    const trace = toChromeTrace([
      task({ key: 'a', start: 0, end: 10 }),
      task({ key: 'b', start: 2, end: 5 }),
      task({ key: 'c', start: 3, end: 12 }),
      task({ key: 'd', start: 6, end: 8 }),
      // Starts as `a` ends: it takes `a`'s lane.
      task({ key: 'e', start: 10, end: 11 }),
      task({ key: 'f', start: 10.5, end: 13 }),
    ])
    expectValidTrace(trace)
    expect(tracks(trace)).toMatchInlineSnapshot(`
      [
        "main (pid 4242) / main thread: a e",
        "main (pid 4242) / main thread · lane 2: b d f",
        "main (pid 4242) / main thread · lane 3: c",
      ]
    `)
  })

  test('keeps the tasks of a fused chain, which touch, on one track', () => {
    const chain = ['parse', 'clean', 'count'].map((key, i) =>
      task({ key, worker: poolThread(5), queued: 0, start: i * 2, end: (i + 1) * 2 }),
    )
    const events = expectValidTrace(toChromeTrace(chain))
    expect(attempts(events).map(({ name, ts, dur, tid }) => ({ name, ts, dur, tid })))
      .toMatchInlineSnapshot(`
      [
        {
          "dur": 2000,
          "name": "parse",
          "tid": 1,
          "ts": 0,
        },
        {
          "dur": 2000,
          "name": "clean",
          "tid": 1,
          "ts": 2000,
        },
        {
          "dur": 2000,
          "name": "count",
          "tid": 1,
          "ts": 4000,
        },
      ]
    `)
  })

  test('writes times that Perfetto reads back to the nanosecond, so touching tasks do not overlap', () => {
    // Records counted from epoch 0 keep nanoseconds exact. 1.001 µs read as 1.001 * 1000
    // truncates to 1000 ns, while the task before it ends at 1 µs + 1 ns.
    const at = (key: string, start: number, end: number) => ({
      ...task({ key, start: 0, end: 0 }),
      queuedAt: start / 1e6,
      startedAt: start / 1e6,
      endedAt: end / 1e6,
    })
    const chain = [
      at('a', 0, 1000),
      at('b', 1000, 1001),
      at('c', 1001, 2003),
      at('d', 2003, 1_000_000_007),
    ]
    const events = attempts(expectValidTrace(toChromeTrace(chain)))
    expect(events.map(({ ts, dur }) => [Math.trunc(ts * 1000), Math.trunc(dur * 1000)])).toEqual([
      [0, 1000],
      [1000, 1],
      [1001, 1002],
      [2003, 999_998_004],
    ])
    expect(new Set(events.map((event) => event.tid)).size).toBe(1)
  })

  test('marks failed attempts and their retries, and cancelled ones', () => {
    const boom = new TypeError('no such file')
    const trace = toChromeTrace([
      task({ key: 'fetch', status: 'failed', error: boom, start: 0, end: 5 }),
      task({ key: 'fetch', attempt: 2, queued: 5, start: 8, end: 12, resultBytes: 120 }),
      task({ key: 'slow', status: 'cancelled', worker: poolThread(1), start: 1, end: 12 }),
    ])
    const events = expectValidTrace(trace).filter((event) => event.ph !== 'M')
    expect(events).toMatchInlineSnapshot(`
      [
        {
          "args": {
            "attempt": 1,
            "error": "TypeError: no such file",
            "executor": "threads",
            "function": "fetch",
            "key": "fetch",
            "queuedMs": 0,
            "status": "failed",
          },
          "cat": "fetch",
          "cname": "terrible",
          "dur": 5000,
          "name": "fetch",
          "ph": "X",
          "pid": 1,
          "tid": 1,
          "ts": 0,
        },
        {
          "args": {
            "attempt": 1,
            "executor": "threads",
            "function": "slow",
            "key": "slow",
            "queuedMs": 0,
            "status": "cancelled",
          },
          "cat": "slow",
          "cname": "grey",
          "dur": 11000,
          "name": "slow",
          "ph": "X",
          "pid": 1,
          "tid": 2,
          "ts": 1000,
        },
        {
          "args": {
            "attempt": 1,
            "error": "TypeError: no such file",
            "executor": "threads",
            "function": "fetch",
            "key": "fetch",
            "queuedMs": 0,
            "status": "failed",
          },
          "cat": "fetch",
          "cname": "terrible",
          "name": "failed: fetch",
          "ph": "i",
          "pid": 1,
          "s": "t",
          "tid": 1,
          "ts": 5000,
        },
        {
          "args": {
            "attempt": 2,
            "executor": "threads",
            "function": "fetch",
            "key": "fetch",
            "queuedMs": 3,
            "resultBytes": 120,
            "status": "done",
          },
          "cat": "fetch",
          "dur": 4000,
          "name": "fetch",
          "ph": "X",
          "pid": 1,
          "tid": 1,
          "ts": 8000,
        },
      ]
    `)
  })

  test('gives each cluster worker a process, told apart by host when two share a pid', () => {
    const worker = (host: string, name: string, threadId: number): TaskWorker => ({
      kind: 'cluster',
      host,
      pid: 77,
      threadId,
      name,
    })
    const trace = toChromeTrace([
      task({ key: 'a', executor: 'cluster', worker: worker('node-1', 'w1', 1), start: 0, end: 4 }),
      task({ key: 'b', executor: 'cluster', worker: worker('node-2', 'w2', 1), start: 1, end: 3 }),
      task({ key: 'c', executor: 'cluster', worker: worker('node-2', 'w2', 2), start: 1, end: 5 }),
      task({ key: 'd', executor: 'cluster', worker: mainThread, start: 6, end: 7 }),
    ])
    const events = expectValidTrace(trace)
    expect(tracks(trace)).toMatchInlineSnapshot(`
      [
        "cluster worker w1 on node-1 (pid 77) / thread 1: a",
        "cluster worker w2 on node-2 (pid 77) / thread 1: b",
        "cluster worker w2 on node-2 (pid 77) / thread 2: c",
        "main on laptop (pid 4242) / main thread: d",
      ]
    `)
    expect(new Set(attempts(events).map((event) => event.pid))).toEqual(new Set([1, 2, 3]))
  })

  test('takes a message from whatever a task threw, and never fails on it', () => {
    const cyclic: Record<string, unknown> = { code: 'LOOP' }
    cyclic.self = cyclic
    const throwing = new Proxy(
      {},
      {
        get() {
          throw new Error('trap')
        },
      },
    )
    const errors: unknown[] = [
      cyclic,
      undefined,
      Object.create(null),
      throwing,
      'plain text',
      { name: 'WorkerError', message: 'rebuilt from a worker', stack: '...' },
      new Error('x'.repeat(5000)),
    ]
    const trace = toChromeTrace(
      errors.map((error, i) =>
        task({ key: `t${i}`, status: 'failed', error, start: i, end: i + 1 }),
      ),
    )
    const messages = attempts(expectValidTrace(trace)).map(({ args }) => args.error)
    expect(messages.map((message) => message?.slice(0, 40))).toMatchInlineSnapshot(`
      [
        "[object Object]",
        "undefined",
        "an error that cannot be printed",
        "an error that cannot be printed",
        "plain text",
        "WorkerError: rebuilt from a worker",
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
      ]
    `)
    expect(messages.at(-1)).toHaveLength(2000)
  })

  test('clamps an end before the start, and leaves out records with no usable times', () => {
    const trace = toChromeTrace([
      task({ key: 'skewed', queued: 0, start: 1, end: 0.9999 }),
      task({ key: 'broken', start: NaN, end: 2 }),
      task({ key: 'queued-after-start', queued: 3, start: 2, end: 4 }),
    ])
    const events = attempts(expectValidTrace(trace))
    expect(events.map(({ name, ts, dur, args }) => [name, ts, dur, args.queuedMs])).toEqual([
      ['skewed', 1000, 0, 1],
      ['queued-after-start', 2000, 2000, 0],
    ])
    expect(trace.metadata).toEqual({
      records: 3,
      leftOut: 1,
      startTime: new Date(T0).toISOString(),
    })
  })

  test('draws resource samples as counter tracks of a process of their own', () => {
    const MB = 1024 * 1024
    const sample = (ms: number, rss: number, children: ProcessSample[] = []): ResourceSample => ({
      time: T0 + ms,
      main: { pid: 4242, rss: rss * MB, cpu: 50 },
      children,
    })
    const resources = [sample(-2, 100), sample(3, 120, [{ pid: 7, rss: 30 * MB, cpu: 99.5 }])]
    const trace = toChromeTrace([task({ key: 'a', start: 0, end: 5 })], { resources })
    const events = expectValidTrace(trace)
    // Time 0 is the first sample, taken before the first task.
    expect(trace.metadata?.startTime).toBe(new Date(T0 - 2).toISOString())
    expect(events.filter((event) => event.pid === 2)).toEqual([
      {
        ph: 'M',
        name: 'process_name',
        ts: 0,
        pid: 2,
        tid: 0,
        args: { name: 'resources (sampled)' },
      },
      { ph: 'M', name: 'process_sort_index', ts: 0, pid: 2, tid: 0, args: { sort_index: 2 } },
      { ph: 'C', name: 'memory (MB)', ts: 0, pid: 2, tid: 0, args: { main: 100 } },
      { ph: 'C', name: 'CPU (% of a core)', ts: 0, pid: 2, tid: 0, args: { main: 50 } },
      { ph: 'C', name: 'memory (MB)', ts: 5000, pid: 2, tid: 0, args: { main: 120, 'pid 7': 30 } },
      {
        ph: 'C',
        name: 'CPU (% of a core)',
        ts: 5000,
        pid: 2,
        tid: 0,
        args: { main: 50, 'pid 7': 99.5 },
      },
    ])
    expect(attempts(events).map((event) => event.ts)).toEqual([2000])
  })

  test('samples of a real run make a valid trace with its records', async () => {
    const profiler = new Profiler()
    const resources = new ResourceProfiler({ intervalMs: 10 })
    const nap = delayed((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)), {
      name: 'nap',
    })
    await compute(nap(30), nap(40), {
      executor: 'async',
      hooks: {
        onStart: (info) => resources.hooks.onStart?.(info),
        onTaskRecord: (record) => profiler.hooks.onTaskRecord?.(record),
        onFinish: (summary) => resources.hooks.onFinish?.(summary),
      },
    })
    const events = expectValidTrace(
      toChromeTrace(profiler.records, { resources: resources.samples }),
    )
    expect(events.filter((event) => event.ph === 'C').length).toBe(2 * resources.samples.length)
  })

  test('an empty run is an empty, valid trace', () => {
    const trace = toChromeTrace([], { name: 'nothing' })
    expect(expectValidTrace(trace)).toEqual([])
    expect(trace.metadata).toEqual({ name: 'nothing', records: 0 })
  })

  test.each([
    ['a misspelt name', { nmae: 'run' }],
    ['a name that is not a string', { name: 42 }],
    ['resources that are not samples', { resources: 5 }],
    ['resources holding what is not a sample', { resources: [null] }],
    ['addedGraphs that are not graphs', { addedGraphs: [{ parent: 'a' }] }],
    ['options that are not an object', null],
  ])('%s is an InvalidOptionError, in each call that makes a trace', async (_, options) => {
    const bad = options as never
    expect(() => toChromeTrace([], bad)).toThrow(InvalidOptionError)
    expect(() => new Profiler().trace(bad)).toThrow(InvalidOptionError)
    await expect(writeChromeTrace('unused.json', [], bad)).rejects.toBeInstanceOf(
      InvalidOptionError,
    )
  })
})
