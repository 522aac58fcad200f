import { describe, expect, test } from 'vitest'
import {
  InvalidOptionError,
  delayed,
  fromSpec,
  gather,
  ref,
  task,
  toDot,
  toGraph,
} from '../../src/index.js'
import type { DotOptions, TaskRunState } from '../../src/index.js'
import { TaskGraph } from '../../src/internal.js'
import { nodeOf, parseDot } from './parse-dot.js'

function inc(x: number): number {
  return x + 1
}

function add(a: number, b: number): number {
  return a + b
}

/** x → y → z, and total of x and z. */
function chain(): ReturnType<typeof fromSpec> {
  return fromSpec({
    x: 1,
    y: task(inc, ref('x')),
    z: task(inc, ref('y')),
    total: task(add, ref('x'), ref('z')),
  })
}

const GREEN = '#74c476'
const RED = '#de2d26'
const CANCELLED_GREY = '#bdbdbd'
const NOT_RUN_GREY = '#e5e5e5'
const CACHED_BLUE = '#9ecae1'

describe("toDot's color option", () => {
  test("'order' fills tasks light to dark in the order they run, with a legend", () => {
    expect(chain().total!.toDot({ color: 'order' })).toMatchInlineSnapshot(`
      "digraph taskgraph {
        graph [rankdir=BT];
        node [fontname="Helvetica"];
        "data:x" [label="x", shape=box];
        "data:y" [label="y", shape=box];
        "task:y" [label="inc", shape=ellipse, style=filled, fillcolor="#f7fbff", tooltip="runs 1 of 3"];
        "task:y" -> "data:y";
        "data:z" [label="z", shape=box];
        "task:z" [label="inc", shape=ellipse, style=filled, fillcolor="#6baed6", tooltip="runs 2 of 3"];
        "task:z" -> "data:z";
        "data:total" [label="total", shape=box, peripheries=2];
        "task:total" [label="add", shape=ellipse, style=filled, fillcolor="#08306b", fontcolor="#ffffff", tooltip="runs 3 of 3"];
        "task:total" -> "data:total";
        "data:x" -> "task:y";
        "data:y" -> "task:z";
        "data:x" -> "task:total";
        "data:z" -> "task:total";
        subgraph cluster_legend {
          graph [label="run order", fontname="Helvetica", style=rounded];
          "legend:0" [label="first", shape=box, style=filled, fillcolor="#f7fbff"];
          "legend:1" [label="last", shape=box, style=filled, fillcolor="#08306b", fontcolor="#ffffff"];
        }
      }
      "
    `)
  })

  test("'order' numbers tasks as the scheduler does: each chain finished before the next", () => {
    const double = delayed((x: number) => 2 * x, { name: 'double' })
    const plus = delayed(add)
    // Made branch by branch, but run depth-first from the target: a1, a2, then b1, b2.
    const a1 = double(1)
    const b1 = double(2)
    const a2 = double(a1)
    const b2 = double(b1)
    const total = plus(a2, b2)
    const dot = parseDot(toDot(toGraph(total), { color: 'order' }))
    const tasks = dot.nodes.filter((node) => node.id.startsWith('task:'))
    const graph = TaskGraph.collect('test', [total])
    const scheduled = Array.from({ length: graph.size }, (_, i) => i)
      .filter((i) => graph.fn(i) !== undefined)
      .map((i) => `task:${graph.key(i)}`)
    const byRank = [...tasks].sort(
      (p, q) => rankOf(p.attributes.tooltip!) - rankOf(q.attributes.tooltip!),
    )
    expect(byRank.map((node) => node.id)).toEqual(scheduled)
    expect(byRank.map((node) => node.id.slice('task:'.length))).toEqual([
      a1.key,
      a2.key,
      b1.key,
      b2.key,
      total.key,
    ])
  })

  test("'status' fills done green, failed red, cancelled and not run grey", () => {
    const { total } = fromSpec({
      x: 1,
      a: task(inc, ref('x')),
      b: task(inc, ref('x')),
      c: task(inc, ref('x')),
      d: task(inc, ref('x')),
      total: task((...values: number[]) => values.length, ref('a'), ref('b'), ref('c'), ref('d')),
    })
    const taskStates = new Map<string, TaskRunState>([
      ['a', { status: 'done', durationMs: 1 }],
      ['b', { status: 'failed', durationMs: 2 }],
      ['c', { status: 'cancelled', durationMs: 0 }],
    ])
    const dot = parseDot(total.toDot({ color: 'status', taskStates }))
    const fill = (key: string): string | undefined =>
      nodeOf(dot, `task:${key}`).attributes.fillcolor
    expect(['a', 'b', 'c', 'd', 'total'].map(fill)).toEqual([
      GREEN,
      RED,
      CANCELLED_GREY,
      NOT_RUN_GREY,
      NOT_RUN_GREY,
    ])
    // White on red, where black would not read.
    expect(nodeOf(dot, 'task:b').attributes).toMatchObject({
      fontcolor: '#ffffff',
      tooltip: 'failed after 2 ms',
    })
    expect(nodeOf(dot, 'task:d').attributes.tooltip).toBe('not run')
    expect(nodeOf(dot, 'data:x').attributes.fillcolor).toBeUndefined()
    expect(dot.legend).toEqual({
      label: 'status',
      entries: [
        ['done', GREEN],
        ['failed', RED],
        ['cancelled', CANCELLED_GREY],
        ['not run', NOT_RUN_GREY],
      ].map(([label, fillcolor], i) => ({
        id: `legend:${i}`,
        attributes: expect.objectContaining({ label, fillcolor }) as Record<string, string>,
      })),
    })
  })

  test("'duration' fills shortest lightest to longest darkest on a log scale, with a legend", () => {
    const { total } = chain()
    const taskStates = new Map<string, TaskRunState>([
      ['y', { status: 'done', durationMs: 0.5 }],
      ['z', { status: 'done', durationMs: 50 }],
      ['total', { status: 'done', durationMs: 5 }],
    ])
    const dot = parseDot(total!.toDot({ color: 'duration', taskStates }))
    expect(['y', 'total', 'z'].map((key) => nodeOf(dot, `task:${key}`).attributes)).toEqual([
      expect.objectContaining({ fillcolor: '#ffffcc', tooltip: 'done in 0.5 ms' }),
      // 5 ms is halfway between 0.5 and 50 on a log scale: the middle class.
      expect.objectContaining({ fillcolor: '#fd8d3c', tooltip: 'done in 5 ms' }),
      expect.objectContaining({ fillcolor: '#800026', fontcolor: '#ffffff' }),
    ])
    expect(dot.legend?.label).toBe('duration (log scale)')
    expect(dot.legend?.entries.map(({ attributes }) => attributes.label)).toEqual([
      '0.5 ms',
      '5 ms',
      '50 ms',
    ])
  })

  // The legend painted its one entry with the scale's lightest colour, the task with its
  // middle one; under a microsecond, its middle entry was longer than its longest.
  test("'duration' legend paints each entry as the tasks of that duration are", () => {
    const { total } = chain()
    const cases: [number, number, string[]][] = [
      [2, 2, ['2 ms']],
      [0.0001, 0.0005, ['0.0001 ms to 0.0005 ms']],
    ]
    for (const [short, long, labels] of cases) {
      const taskStates = new Map<string, TaskRunState>([
        ['y', { status: 'done', durationMs: short }],
        ['z', { status: 'done', durationMs: long }],
        ['total', { status: 'done', durationMs: short }],
      ])
      const dot = parseDot(total!.toDot({ color: 'duration', taskStates }))
      const fills = new Set(
        ['y', 'z', 'total'].map((key) => nodeOf(dot, `task:${key}`).attributes.fillcolor),
      )
      expect(fills).toEqual(new Set(['#fd8d3c']))
      expect(
        dot.legend?.entries.map(({ attributes }) => [attributes.label, attributes.fillcolor]),
      ).toEqual(labels.map((label) => [label, '#fd8d3c']))
    }
  })

  test("'duration' greys tasks that did not run and says so in the legend", () => {
    const { total } = chain()
    const taskStates = new Map<string, TaskRunState>([['y', { status: 'done', durationMs: 1500 }]])
    const dot = parseDot(total!.toDot({ color: 'duration', taskStates }))
    expect(nodeOf(dot, 'task:z').attributes.fillcolor).toBe(NOT_RUN_GREY)
    expect(dot.legend?.entries.map(({ attributes }) => attributes.label)).toEqual([
      '1.5 s',
      'not run',
    ])
  })

  test('tasks whose results came from the cache are light blue, by status and by duration', () => {
    const { total } = chain()
    const taskStates = new Map<string, TaskRunState>([
      ['y', { status: 'cached', durationMs: 0 }],
      ['z', { status: 'done', durationMs: 5 }],
    ])
    const byStatus = parseDot(total!.toDot({ color: 'status', taskStates }))
    expect(nodeOf(byStatus, 'task:y').attributes).toMatchObject({
      fillcolor: CACHED_BLUE,
      tooltip: 'from the cache',
    })
    expect(byStatus.legend?.entries.map(({ attributes }) => attributes.label)).toEqual([
      'done',
      'failed',
      'cancelled',
      'not run',
      'cached',
    ])
    // A result read from the cache has no duration: it is not the quickest task.
    const byDuration = parseDot(total!.toDot({ color: 'duration', taskStates }))
    expect(nodeOf(byDuration, 'task:y').attributes.fillcolor).toBe(CACHED_BLUE)
    expect(byDuration.legend?.entries.map(({ attributes }) => attributes.label)).toEqual([
      '5 ms',
      'from the cache',
      'not run',
    ])
  })

  test("'none' draws as without the option, and no legend", () => {
    const { total } = chain()
    expect(total!.toDot({ color: 'none' })).toBe(total!.toDot())
    expect(parseDot(total!.toDot()).legend).toBeUndefined()
  })

  test('gives the same text every time', () => {
    const { total } = chain()
    const taskStates = new Map<string, TaskRunState>([['y', { status: 'done', durationMs: 2 }]])
    expect(total!.toDot({ color: 'duration', taskStates })).toBe(
      chain().total!.toDot({ color: 'duration', taskStates: new Map(taskStates) }),
    )
  })

  test('ignores states of keys the graph does not hold', () => {
    const { total } = chain()
    const taskStates = new Map<string, TaskRunState>([
      ['elsewhere', { status: 'failed', durationMs: 1 }],
    ])
    const dot = parseDot(total!.toDot({ color: 'status', taskStates }))
    expect(new Set(dot.nodes.map((node) => node.attributes.fillcolor))).toEqual(
      new Set([undefined, NOT_RUN_GREY]),
    )
  })
})

describe("toDot's color options refused", () => {
  const graph = toGraph(gather([delayed(inc)(1)]))
  const states = new Map<string, TaskRunState>()
  test.each<[string, unknown]>([
    ['an unknown colour', { color: 'rainbow' }],
    ["'status' without taskStates", { color: 'status' }],
    ["'duration' without taskStates", { color: 'duration' }],
    ['taskStates without a colour that reads them', { taskStates: states }],
    ["taskStates with 'order'", { color: 'order', taskStates: states }],
    ['taskStates that are not a Map', { color: 'status', taskStates: { a: 1 } }],
    ['a key that is not a string', { color: 'status', taskStates: new Map([[1, {}]]) }],
    [
      'an unknown status',
      { color: 'status', taskStates: new Map([['a', { status: 'ok', durationMs: 1 }]]) },
    ],
    [
      'a negative duration',
      { color: 'duration', taskStates: new Map([['a', { status: 'done', durationMs: -1 }]]) },
    ],
    ['a negative group threshold', { group: -1 }],
    ['a fractional group threshold', { group: 1.5 }],
    ['a group that is neither a boolean nor a number', { group: 'yes' }],
  ])('%s, with InvalidOptionError', (_, options) => {
    expect(() => toDot(graph, options as DotOptions)).toThrow(InvalidOptionError)
  })
})

function rankOf(tooltip: string): number {
  return Number(/^runs (\d+) of/.exec(tooltip)![1])
}
