import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { InvalidArgumentError, delayed, toDot, toGraph, type Delayed } from '@taskgraph/core'
import { compute } from '@taskgraph/scheduler'
import { afterEach, describe, expect, test } from 'vitest'
import {
  InvalidTraceError,
  Profiler,
  readAddedGraphs,
  readTraceStates,
  toChromeTrace,
  withAddedGraphs,
  writeChromeTrace,
  type AddedGraph,
} from '../src/index.js'
import { expectValidJson, expectValidTrace, task } from './helpers.js'

// The graphs tasks return while a run runs: kept by a Profiler, written into the trace's
// metadata, read back, and added to the graph a drawing of the finished run shows.

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

const double = delayed((x: number) => 2 * x, { name: 'double' })
const sum = delayed((values: number[]) => values.reduce((a, b) => a + b, 0), { name: 'sum' })
/** Returns the graph of the sum of its items doubled: explicit keys, to name them below. */
const split = delayed(
  (items: number[]): Delayed<number> =>
    sum.with({ key: 'sum' })(items.map((x) => double.with({ key: `double-${x}` })(x))),
  { name: 'split' },
)

/** split([1, 2]), as a graph it returned is written: what the tests below expect. */
const SPLIT_GRAPH: AddedGraph = {
  parent: 'split',
  tasks: [
    { key: 'double-1', name: 'double', kind: 'task', dependencies: [] },
    { key: 'double-2', name: 'double', kind: 'task', dependencies: [] },
    { key: 'sum', name: 'sum', kind: 'task', dependencies: ['double-1', 'double-2'] },
  ],
  results: ['sum'],
}

describe('the graphs tasks returned, in a trace', () => {
  test('a Profiler keeps them, and its trace holds them in its metadata', async () => {
    const profiler = new Profiler()
    const target = split.with({ key: 'split' })([1, 2])
    expect(await compute(target, { executor: 'async', hooks: profiler.hooks })).toEqual([6])
    expect(profiler.addedGraphs).toEqual([SPLIT_GRAPH])
    const trace = profiler.trace()
    expectValidTrace(trace)
    expect(trace.metadata?.addedGraphs).toEqual([SPLIT_GRAPH])
    expect(readAddedGraphs(trace)).toEqual([SPLIT_GRAPH])
    profiler.clear()
    expect(profiler.addedGraphs).toEqual([])
    // A trace made before keeps what it held.
    expect(trace.metadata?.addedGraphs).toEqual([SPLIT_GRAPH])
  })

  test('a trace file keeps them, and stays a valid trace', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'added-graphs-'))
    cleanups.push(() => rm(dir, { recursive: true, force: true }))
    const path = join(dir, 'run.json')
    const records = [
      task({ key: 'split', start: 0, end: 1 }),
      task({ key: 'sum', start: 2, end: 3 }),
    ]
    await writeChromeTrace(path, records, { addedGraphs: [SPLIT_GRAPH] })
    const text = await readFile(path, 'utf8')
    expectValidJson(text)
    expect(readAddedGraphs(text)).toEqual([SPLIT_GRAPH])
    expect(readTraceStates(text).get('sum')?.status).toBe('done')
  })

  test('a trace of a run that added none has none, and no field for them', () => {
    const trace = toChromeTrace([task({ key: 'a', start: 0, end: 1 })], { addedGraphs: [] })
    expect(trace.metadata).not.toHaveProperty('addedGraphs')
    expect(readAddedGraphs(trace)).toEqual([])
  })

  test.each<[string, unknown]>([
    ['added graphs that are not an array', { addedGraphs: { split: [] } }],
    ['a graph without its parent', { addedGraphs: [{ tasks: [], results: [] }] }],
    [
      'a task without its dependencies',
      { addedGraphs: [{ ...SPLIT_GRAPH, tasks: [{ key: 'a', name: 'a', kind: 'task' }] }] },
    ],
    ['results that are not keys', { addedGraphs: [{ ...SPLIT_GRAPH, results: [1] }] }],
  ])('%s is an InvalidTraceError', (_, metadata) => {
    const trace = { traceEvents: [], metadata: { records: 0, ...(metadata as object) } }
    let error: unknown
    try {
      readAddedGraphs(trace)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(InvalidTraceError)
    expect((error as InvalidTraceError).code).toBe('ERR_INVALID_TRACE')
  })
})

describe('withAddedGraphs', () => {
  test('adds the tasks and edges of each graph, hung on its task by a dashed edge', () => {
    const graph = toGraph(split.with({ key: 'split' })([1, 2]))
    const drawn = withAddedGraphs(graph, [SPLIT_GRAPH])
    expect(graph.order).toBe(1)
    expect(drawn.nodes()).toEqual(['split', 'double-1', 'double-2', 'sum'])
    expect(toDot(drawn)).toMatchInlineSnapshot(`
      "digraph taskgraph {
        graph [rankdir=BT];
        node [fontname="Helvetica"];
        "data:split" [label="split", shape=box, peripheries=2];
        "task:split" [label="split", shape=ellipse];
        "task:split" -> "data:split";
        "data:double-1" [label="double-1", shape=box];
        "task:double-1" [label="double", shape=ellipse];
        "task:double-1" -> "data:double-1";
        "data:double-2" [label="double-2", shape=box];
        "task:double-2" [label="double", shape=ellipse];
        "task:double-2" -> "data:double-2";
        "data:sum" [label="sum", shape=box];
        "task:sum" [label="sum", shape=ellipse];
        "task:sum" -> "data:sum";
        "data:double-1" -> "task:sum";
        "data:double-2" -> "task:sum";
        "data:sum" -> "data:split" [style=dashed];
      }
      "
    `)
  })

  test('leaves out a graph whose task is not drawn, and draws a task two graphs share once', () => {
    const graph = toGraph(split.with({ key: 'split' })([1, 2]))
    const again: AddedGraph = { ...SPLIT_GRAPH, parent: 'double-1', results: ['double-2'] }
    const foreign: AddedGraph = { ...SPLIT_GRAPH, parent: 'elsewhere' }
    const drawn = withAddedGraphs(graph, [SPLIT_GRAPH, foreign, again])
    expect(drawn.order).toBe(4)
    expect(
      drawn
        .edges()
        .map((edge) => [drawn.source(edge), drawn.target(edge), drawn.getEdgeAttributes(edge)]),
    ).toEqual([
      ['double-1', 'sum', {}],
      ['double-2', 'sum', {}],
      ['sum', 'split', { returned: true }],
      ['double-2', 'double-1', { returned: true }],
    ])
  })

  // Each failed as "Cannot read properties of null (reading 'copy')", or on the first
  // task of the graph, as a TypeError.
  test.each([
    ['no graph', null, [SPLIT_GRAPH]],
    ['a graph that is not one', { nodes: [] }, [SPLIT_GRAPH]],
    ['no added graphs', 'graph', null],
    ['an added graph that is null', 'graph', [SPLIT_GRAPH, null]],
    ['an added graph with a task that is null', 'graph', [{ ...SPLIT_GRAPH, tasks: [null] }]],
  ])('refuses %s with InvalidArgumentError', (_, given, addedGraphs) => {
    const graph = given === 'graph' ? toGraph(split.with({ key: 'split' })([1, 2])) : given
    expect(() => withAddedGraphs(graph as never, addedGraphs as never)).toThrow(
      InvalidArgumentError,
    )
  })
})
