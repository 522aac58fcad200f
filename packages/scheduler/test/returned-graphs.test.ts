import { describe, expect, expectTypeOf, test } from 'vitest'
import {
  CancelledError,
  DepthLimitError,
  TaskError,
  compute,
  type TaskRecord,
  type TasksAdded,
} from '@taskgraph/scheduler'
import { SUITE_EXECUTORS, shared } from './executors.js'
import {
  add,
  countParagraphs,
  double,
  fib,
  forever,
  returnsClosure,
  returnsCycle,
  returnsFailure,
} from './fixtures/graph-tasks.mjs'
import { runsInWorkers } from './external-executor.js'
import { sleepThen } from './fixtures/pool-tasks.mjs'

/** Fibonacci computed directly, to check the graph-built one against. */
function fibonacci(n: number): number {
  let [a, b] = [0, 1]
  for (let i = 0; i < n; i++) [a, b] = [b, a + b]
  return a
}

describe.each(SUITE_EXECUTORS)('tasks that return graphs, on the %s executor', (name) => {
  const options = { executor: shared(name) }

  test('recursive Fibonacci built by tasks equals the direct computation', async () => {
    const result = await fib(10).compute(options)
    expectTypeOf(result).toEqualTypeOf<number>()
    expect(result).toBe(fibonacci(10))
  })

  test('a fan-out as wide as the data a task reads, inside an object it returns', async () => {
    const text = 'one two\n\nthree\n\nfour five six\n\nseven'
    const [counted, more] = await compute(countParagraphs(text), add(1, 2), options)
    expect(counted).toEqual({ chunks: 4, words: 7 })
    expect(more).toBe(3)
  })

  test('in a chain (one call on a pool), the next task gets the returned graph’s result', async () => {
    expect(await double(double(fib(9))).compute(options)).toBe(4 * fibonacci(9))
  })

  test('a graph of a function made while the task ran', async () => {
    const run = returnsClosure(41).compute(options)
    if (!runsInWorkers(name)) {
      expect(await run).toBe(42)
      return
    }
    // Another thread cannot find that function again: a clear error, not a wrong result.
    const error = await run.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TaskError)
    expect((error as Error).message).toContain('local')
    expect((error as Error).message).toContain('top level of a module')
  })

  test('a graph inside a cyclic value fails the task, saying why, rather than half-computed', async () => {
    const error = await returnsCycle(1)
      .compute(options)
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TaskError)
    expect((error as TaskError).functionName).toBe('returnsCycle')
    expect((error as Error).message).toContain('inside a cycle')
  })

  test('the new tasks reach the hooks, and the summary counts them', async () => {
    const added: TasksAdded[] = []
    const records: TaskRecord[] = []
    const ended: string[] = []
    let summary: unknown
    await fib(4).compute({
      ...options,
      hooks: {
        onTasksAdded: (info) => void added.push(info),
        onTaskRecord: (record) => void records.push(record),
        onTaskEnd: (task) => void ended.push(task.key),
        onFinish: (counts) => (summary = counts),
      },
    })
    // fib(4) returns add(fib(3), fib(2)); fib(3) and fib(2) return graphs in turn, and so on.
    const calls = records.filter((record) => record.name === 'fib').length
    const adds = records.filter((record) => record.name === 'add').length
    expect(calls).toBe(9)
    expect(adds).toBe(4)
    expect(added.length).toBe(4)
    expect(added.reduce((sum, info) => sum + info.tasks, 0)).toBe(calls + adds - 1)
    expect(added[0]!.parent.name).toBe('fib')
    // The first graph: add(fib(3), fib(2)), dependencies first, standing for fib(4).
    const [first] = added
    const [three, two, sum] = first!.graph
    expect(first!.graph.map(({ name, kind }) => [name, kind])).toEqual([
      ['fib', 'task'],
      ['fib', 'task'],
      ['add', 'task'],
    ])
    expect(sum!.dependencies).toEqual([three!.key, two!.key])
    expect(first!.results).toEqual([sum!.key])
    expect(JSON.parse(JSON.stringify(first))).toMatchObject({ tasks: 3, results: [sum!.key] })
    // Each graph hangs on a task of the run or of a graph added before it.
    const known = new Set(
      records
        .filter((r) => !added.some((a) => a.graph.some((t) => t.key === r.key)))
        .map((r) => r.key),
    )
    for (const { parent, graph } of added) {
      expect(known.has(parent.key)).toBe(true)
      for (const task of graph) known.add(task.key)
    }
    // Made in different workers, their tasks' keys still name one task each.
    expect(new Set(records.map((record) => record.key)).size).toBe(records.length)
    expect(records.every((record) => record.status === 'done')).toBe(true)
    expect(ended).toHaveLength(calls + adds)
    expect(summary).toMatchObject({ done: calls + adds, failed: 0, skipped: 0 })
  })

  test('recursion without end fails at maxDepth with a DepthLimitError', async () => {
    const error = await forever(0)
      .compute({ ...options, maxDepth: 5 })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TaskError)
    let cause = (error as TaskError).cause
    while (cause instanceof TaskError) cause = cause.cause
    expect(cause).toBeInstanceOf(DepthLimitError)
    expect((cause as DepthLimitError).code).toBe('ERR_DEPTH_LIMIT')
    expect((cause as Error).message).toContain('maxDepth of 5')
  })

  test('the message of recursion stopped deep down names its ends, and counts the tasks between', async () => {
    const error = (await forever(0)
      .compute(options)
      .catch((e: unknown) => e)) as TaskError
    // 101 tasks each failing as the graph it returned failed: a line, not one per task.
    expect(error.message.length).toBeLessThan(1500)
    expect(error.message).toMatch(
      /^Delayed#compute: task "forever-\w+" \(function forever\) failed: TaskError: Delayed#compute: task "forever-\w+" \(function forever\) failed: … 97 more tasks, each failing as the next did, … TaskError: Delayed#compute: task "[^"]+" \(function forever\) failed: TaskError: Delayed#compute: task "[^"]+" \(function forever\) failed: DepthLimitError: Delayed#compute: task \S+ returned a graph 101 levels deep, past the run's maxDepth of 100/,
    )
  })

  test('a failure inside a returned graph fails the task that returned it', async () => {
    const error = await returnsFailure('deep down')
      .compute(options)
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TaskError)
    expect((error as TaskError).functionName).toBe('returnsFailure')
    const inner = (error as TaskError).cause as TaskError
    expect(inner).toBeInstanceOf(TaskError)
    expect(inner.functionName).toBe('fails')
    expect(inner.cause).toMatchObject({ message: 'deep down' })
  })

  test('cancelling the run stops the graphs its tasks returned', async () => {
    const controller = new AbortController()
    const run = forever(0).compute({ ...options, maxDepth: 1_000_000, signal: controller.signal })
    await sleepThen(200, null).compute(options)
    controller.abort('enough')
    await expect(run).rejects.toBeInstanceOf(CancelledError)
  })
})
