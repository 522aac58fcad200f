import { describe, expect, test } from 'vitest'
import { bag, delayed, gather, literal, toDot, toGraph } from '../../src/index.js'
import type { TaskRunState } from '../../src/index.js'
import { nodeOf, parseDot } from './parse-dot.js'

function inc(x: number): number {
  return x + 1
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0)
}

/** One seed, `width` tasks of `inc` reading it, and a `sum` of them all. */
function fanOut(width: number) {
  const seed = literal(1, { name: 'seed' })
  const incs = Array.from({ length: width }, (_, i) => delayed(inc).with({ key: `inc-${i}` })(seed))
  return delayed(sum).with({ key: 'total' })(gather(incs))
}

describe("toDot's grouping", () => {
  test('draws a graph of more than 300 tasks as one node per step, edges counted', () => {
    const dot = parseDot(toDot(toGraph(fanOut(2000))))
    expect(dot.nodes.map(({ id, attributes }) => [id, attributes.label, attributes.shape])).toEqual(
      [
        ['group:data:seed', 'seed ×1', 'box'],
        ['group:task:inc', 'inc ×2000', 'ellipse'],
        ['group:task:gather', 'gather ×1', 'ellipse'],
        ['group:task:sum', 'sum ×1', 'ellipse'],
      ],
    )
    expect(dot.edges.map(({ from, to, attributes }) => [from, to, attributes.label])).toEqual([
      ['group:data:seed', 'group:task:inc', '2000'],
      ['group:task:inc', 'group:task:gather', '2000'],
      ['group:task:gather', 'group:task:sum', '1'],
    ])
    expect(nodeOf(dot, 'group:task:sum').attributes.peripheries).toBe('2')
  })

  test('draws every task with group: false', () => {
    const dot = parseDot(toDot(toGraph(fanOut(2000)), { group: false }))
    expect(dot.nodes.filter((node) => node.attributes.label === 'inc')).toHaveLength(2000)
    expect(dot.nodes.some((node) => node.id.startsWith('group'))).toBe(false)
  })

  test('groups above the number given, and always with group: true', () => {
    const graph = toGraph(fanOut(4)) // 4 incs, the gather and the sum: 6 tasks
    const grouped = (group: boolean | number): boolean =>
      parseDot(toDot(graph, { group })).nodes.some((node) => node.id.startsWith('group:'))
    expect([grouped(5), grouped(6), grouped(true), grouped(false)]).toEqual([
      true,
      false,
      true,
      false,
    ])
    expect(grouped(300)).toBe(false)
  })

  test('draws a bag pipeline of 1,000 partitions as a node per step', () => {
    const numbers = bag.from(
      Array.from({ length: 5000 }, (_, i) => i),
      { partitions: 1000 },
    )
    const steps = numbers
      .map((x) => x * 2)
      .filter((x) => x % 3 !== 0)
      .map(inc)
    const dot = parseDot(toDot(toGraph(steps.sum(), steps.count())))
    // Two map steps stay apart: they are fed by different functions.
    expect(dot.nodes.map(({ id, attributes }) => [id, attributes.label])).toEqual([
      ['group:data:partition', 'partition ×1000'],
      ['group:task:map', 'map ×1000'],
      ['group:task:filter', 'filter ×1000'],
      ['group#2:task:map', 'map ×1000'],
      ['group:task:sum-part', 'sum-part ×1000'],
      ['group:task:sum', 'sum ×1'],
      ['group:task:count-part', 'count-part ×1000'],
      ['group:task:count', 'count ×1'],
    ])
    expect(dot.edges.map(({ from, to, attributes }) => `${from} -> ${to} ×${attributes.label}`))
      .toMatchInlineSnapshot(`
      [
        "group:data:partition -> group:task:map ×1000",
        "group:task:map -> group:task:filter ×1000",
        "group:task:filter -> group#2:task:map ×1000",
        "group#2:task:map -> group:task:sum-part ×1000",
        "group:task:sum-part -> group:task:sum ×1000",
        "group#2:task:map -> group:task:count-part ×1000",
        "group:task:count-part -> group:task:count ×1000",
      ]
    `)
  })

  test('draws a chain of one function as its first link and the rest, looping', () => {
    let value = delayed(inc)(0)
    for (let i = 0; i < 400; i++) value = delayed(inc)(value)
    const dot = parseDot(toDot(toGraph(value)))
    expect(dot.nodes.map((node) => node.attributes.label)).toEqual(['inc ×1', 'inc ×400'])
    expect(dot.edges.map(({ from, to, attributes }) => [from, to, attributes.label])).toEqual([
      ['group:task:inc', 'group#2:task:inc', '1'],
      ['group#2:task:inc', 'group#2:task:inc', '399'],
    ])
  })

  test("colours a group by the worst status among its tasks, or its tasks' mean duration", () => {
    const graph = toGraph(fanOut(400))
    const states = new Map<string, TaskRunState>()
    for (let i = 0; i < 400; i++) states.set(`inc-${i}`, { status: 'done', durationMs: 1 + i })
    states.set('inc-7', { status: 'failed', durationMs: 3 })
    states.set('total', { status: 'done', durationMs: 0.25 })
    const status = parseDot(toDot(graph, { color: 'status', taskStates: states }))
    expect(
      ['inc', 'gather', 'sum'].map((name) => nodeOf(status, `group:task:${name}`).attributes),
    ).toEqual([
      expect.objectContaining({ fillcolor: '#de2d26', tooltip: '1 failed, 399 done' }),
      expect.objectContaining({ fillcolor: '#e5e5e5', tooltip: 'not run' }),
      expect.objectContaining({ fillcolor: '#74c476', tooltip: 'done in 0.25 ms' }),
    ])
    expect(status.legend?.label).toBe('status (worst of each group)')

    const duration = parseDot(toDot(graph, { color: 'duration', taskStates: states }))
    expect(nodeOf(duration, 'group:task:inc').attributes).toMatchObject({
      fillcolor: '#800026',
      tooltip: 'mean 200 ms over 400 of 400 tasks',
    })
    expect(nodeOf(duration, 'group:task:sum').attributes.fillcolor).toBe('#ffffcc')
    expect(duration.legend?.label).toBe('mean duration of each group (log scale)')
    // Data groups are never filled.
    expect(nodeOf(duration, 'group:data:seed').attributes.fillcolor).toBeUndefined()
  })

  test('draws edges marked returned (a graph a task returned, to that task) dashed, apart from the rest', () => {
    const part = delayed((x: number) => x, { name: 'part' })
    const graph = toGraph(gather([part.with({ key: 'p1' })(1), part.with({ key: 'p2' })(2)]))
    // p1 and p2 each returned a graph of one step, hung on them by an edge marked returned.
    graph.addNode('s1', { kind: 'task', name: 'step' })
    graph.addNode('s2', { kind: 'task', name: 'step' })
    graph.addDirectedEdge('s1', 'p1', { returned: true } as never)
    graph.addDirectedEdge('s2', 'p2', { returned: true } as never)
    const edges = toDot(graph, { group: true })
      .split('\n')
      .filter((line) => line.includes(' -> '))
    expect(edges).toEqual([
      '  "group:task:part" -> "group:task:gather" [label="2"];',
      '  "group:task:step" -> "group:task:part" [label="2", style=dashed];',
    ])
    expect(toDot(graph, { group: false })).toContain('  "data:s1" -> "data:p1" [style=dashed];\n')
  })
})
