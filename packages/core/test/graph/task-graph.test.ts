import { describe, expect, test } from 'vitest'
import { delayed, literal } from '../../src/index.js'
import { TaskGraph } from '../../src/internal.js'

const inc = delayed((x: number) => x + 1, { name: 'inc' })
const add = delayed((...xs: number[]) => xs.reduce((a, b) => a + b, 0), { name: 'add' })

describe('TaskGraph#dependents', () => {
  // a feeds b and c; d uses b twice and c once; e is a second output on a.
  const a = literal(1, { key: 'a' })
  const b = inc.with({ key: 'b' })(a)
  const c = inc.with({ key: 'c' })(a)
  const d = add.with({ key: 'd' })(b, c, b)
  const e = inc.with({ key: 'e' })(a)
  const graph = TaskGraph.collect('test', [d, e])

  /** Each key's dependents, by key. */
  function dependentKeys(): Record<string, string[]> {
    const { start, nodes } = graph.dependents()
    const out: Record<string, string[]> = {}
    for (let i = 0; i < graph.size; i++) {
      out[graph.key(i)] = Array.from(nodes.subarray(start[i], start[i + 1]), (j) => graph.key(j))
    }
    return out
  }

  test('lists each node’s dependents once, the dependency rows turned around', () => {
    expect(dependentKeys()).toEqual({ a: ['b', 'c', 'e'], b: ['d'], c: ['d'], d: [], e: [] })
  })

  test('is made once and kept', () => {
    expect(graph.dependents()).toBe(graph.dependents())
  })
})

describe('TaskGraph#indexOf', () => {
  test('finds the node of each key, and none for a key the graph does not hold', () => {
    const a = literal(1, { key: 'a' })
    const graph = TaskGraph.collect('test', [
      add.with({ key: 'sum' })(inc.with({ key: 'b' })(a), a),
    ])
    for (let i = 0; i < graph.size; i++) expect(graph.indexOf(graph.key(i))).toBe(i)
    expect(graph.indexOf('elsewhere')).toBeUndefined()
  })
})

describe('TaskGraph.collect with results already known', () => {
  // x ← a ← b ← d, and x ← c ← d: b's result is known.
  const x = literal(1, { key: 'x' })
  const a = inc.with({ key: 'a' })(x)
  const b = inc.with({ key: 'b' })(a)
  const c = inc.with({ key: 'c' })(x)
  const d = add.with({ key: 'd' })(b, c)

  function valueOf(graph: TaskGraph, key: string): unknown {
    return graph.value([...Array(graph.size).keys()].find((i) => graph.key(i) === key)!)
  }

  /** Each node as key: dependency keys, and which are data. */
  function shape(graph: TaskGraph): Record<string, string[] | 'data'> {
    const out: Record<string, string[] | 'data'> = {}
    for (let i = 0; i < graph.size; i++) {
      out[graph.key(i)] =
        graph.fn(i) === undefined
          ? 'data'
          : Array.from(graph.depNodes.subarray(graph.depStart[i], graph.depStart[i + 1]), (j) =>
              graph.key(j),
            )
    }
    return out
  }

  test('a known task is data holding its result, and what only it needed is left out', () => {
    const graph = TaskGraph.collect('test', [d], new Map([['b', 42]]))
    // a is gone: only b needed it; x stays for c.
    expect(shape(graph)).toEqual({ b: 'data', x: 'data', c: ['x'], d: ['b', 'c'] })
    expect(valueOf(graph, 'b')).toBe(42)
  })

  test('a known target is its result alone', () => {
    const graph = TaskGraph.collect(
      'test',
      [d, { also: b }],
      new Map([
        ['d', 7],
        ['b', 42],
      ]),
    )
    expect(shape(graph)).toEqual({ d: 'data', b: 'data' })
    expect(graph.assemble(Array.from({ length: graph.size }, (_, i) => graph.value(i)))).toEqual([
      7,
      { also: 42 },
    ])
  })

  test('data and unknown keys are collected as usual', () => {
    const graph = TaskGraph.collect(
      'test',
      [d],
      new Map([
        ['x', 99],
        ['elsewhere', 1],
      ]),
    )
    expect(shape(graph)).toEqual({ x: 'data', a: ['x'], b: ['a'], c: ['x'], d: ['b', 'c'] })
    expect(valueOf(graph, 'x')).toBe(1)
  })
})
