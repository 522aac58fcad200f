import { delayed } from '@taskgraph/core'
import { TaskGraph } from '@taskgraph/core/internal'
import type { TaskWorker } from '@taskgraph/scheduler'
import { describe, expect, test } from 'vitest'
import { RecordLog } from '../src/record-log.js'
import { mainThread, poolThread, T0, task } from './helpers.js'

describe('RecordLog', () => {
  // Records are kept in chunks of 4,096: what comes back must not depend on where they fall.
  test('gives back every record as it was added, across many chunks, and after clear', () => {
    const log = new RecordLog()
    const made = Array.from({ length: 10_000 }, (_, i) =>
      task({
        key: `${i % 3 === 0 ? 'load' : 'inc'}-${i}`,
        start: i,
        end: i + 0.5,
        queued: i - 0.25,
        worker: i % 2 === 0 ? mainThread : poolThread(i % 5),
        attempt: 1 + (i % 4),
        ...(i % 1000 === 7 ? { status: 'failed' as const, error: new Error(`task ${i}`) } : {}),
        ...(i % 777 === 0 ? { status: 'cancelled' as const } : {}),
        ...(i % 500 === 3 ? { resultBytes: i * 8 } : {}),
      }),
    )
    for (const record of made) log.add(record)
    expect(log.length).toBe(10_000)
    expect(log.records()).toEqual(made)

    log.clear()
    expect(log.length).toBe(0)
    expect(log.records()).toEqual([])
    for (const record of made.slice(4090, 4100)) log.add(record)
    expect(log.records()).toEqual(made.slice(4090, 4100))
  })
})

describe('RecordLog as a run writes to it', () => {
  const load = delayed((n: number) => n, { name: 'load' })
  const add = delayed((a: number, b: number) => a + b, { name: 'add' })
  const graphOf = (total: unknown): TaskGraph => TaskGraph.collect('test', [total])
  const nodesNamed = (graph: TaskGraph, name: string): number[] =>
    Array.from({ length: graph.size }, (_, node) => node).filter((n) => graph.name(n) === name)

  // Two runs sharing a log (a run and the graph a task of it returned, say) interleave;
  // a run's common records name their tasks by node until it ends and lets go of them.
  test('gives back the records of runs in the order written, before and after they end', async () => {
    const first = graphOf(add(load(1), load(2)))
    const second = graphOf(load(3))
    const log = new RecordLog()
    const a = log.open(first, 'async', mainThread)
    const b = log.open(second, 'inline', poolThread(3))
    const [x, y] = nodesNamed(first, 'load')
    const failed = task({ key: 'other', start: 5, end: 6, status: 'failed', error: undefined })
    log.done(a, x!, T0 + 1, T0 + 2)
    log.done(b, 0, T0 + 2, T0 + 3)
    log.write(a, failed)
    log.done(a, y!, T0 + 4, T0 + 5)
    log.add(task({ key: 'given', start: 7, end: 8 }))
    const common = (
      graph: TaskGraph,
      node: number,
      executor: string,
      worker: TaskWorker,
      start: number,
    ) => ({
      key: graph.key(node),
      name: graph.name(node),
      executor,
      worker,
      attempt: 1,
      queuedAt: T0 + start,
      startedAt: T0 + start,
      endedAt: T0 + start + 1,
      status: 'done',
    })
    const expected = [
      common(first, x!, 'async', mainThread, 1),
      common(second, 0, 'inline', poolThread(3), 2),
      failed,
      common(first, y!, 'async', mainThread, 4),
      task({ key: 'given', start: 7, end: 8 }),
    ]
    expect(log.records()).toStrictEqual(expected)

    log.close(a)
    log.close(b)
    // The runs' tasks are let go of on the event loop's next turn: read from copies then.
    await new Promise((resolve) => setImmediate(resolve))
    expect(log.records()).toStrictEqual(expected)
    expect(log.length).toBe(5)
  })

  test('a run still going on after clear writes on', () => {
    const graph = graphOf(load(1))
    const log = new RecordLog()
    const run = log.open(graph, 'inline', mainThread)
    const ended = log.open(graph, 'inline', mainThread)
    log.done(ended, 0, T0, T0 + 1)
    log.close(ended)
    log.clear()
    expect(log.records()).toEqual([])
    log.done(run, 0, T0 + 2, T0 + 3)
    expect(log.records()).toMatchObject([{ key: graph.key(0), startedAt: T0 + 2 }])
  })
})
