import { describe, expect, test } from 'vitest'
import { delayed, KeyClashError, literal, type Delayed } from '../../src/index.js'
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

  test('finds them in a graph of generated keys too', () => {
    const a = inc(1)
    const graph = TaskGraph.collect('test', [add(inc(a), a, inc(a))])
    expect(graph.size).toBe(4)
    for (let i = 0; i < graph.size; i++) expect(graph.indexOf(graph.key(i))).toBe(i)
    expect(graph.indexOf('elsewhere')).toBeUndefined()
  })
})

describe('TaskGraph#nodeOf', () => {
  test('finds the node of a dependency object, after other graphs collected it too', () => {
    const a = inc(1)
    const b = inc(a)
    const graph = TaskGraph.collect('test', [add(b, a)])
    // Collected again in a graph of its own, `a` carries that graph's mark.
    const other = TaskGraph.collect('test', [b])
    for (const [target, node] of [
      [a, a],
      [b, b],
    ] as const) {
      expect(graph.nodeOf(target)).toBe(graph.indexOf(node.key))
      expect(other.nodeOf(target)).toBe(other.indexOf(node.key))
    }
  })

  test('finds an object merged with another of its key, and none for a task not in the graph', () => {
    const double = delayed((x: number) => 2 * x, { name: 'double', pure: true })
    const graph = TaskGraph.collect('test', [add(double(1), double(1))])
    const twin = double(1)
    expect(graph.nodeOf(twin)).toBe(graph.indexOf(twin.key))
    expect(graph.nodeOf(twin)).toBeDefined()
    expect(graph.nodeOf(double(2))).toBeUndefined()
  })
})

// A graph of generated keys is collected without an index of its keys until a node of
// another kind comes; these check what that index finds is found either way.
describe('TaskGraph.collect finds every object under one key', () => {
  /** The keys of node `i`'s dependencies. */
  function depKeys(graph: TaskGraph, i: number): string[] {
    return Array.from(graph.depNodes.subarray(graph.depStart[i], graph.depStart[i + 1]), (j) =>
      graph.key(j),
    )
  }

  // `_withValue` is what persist() returns: the task's result under the task's key.
  test.each([
    ['before the task', (t: Delayed<number>) => [t._withValue(5), t]],
    ['after the task', (t: Delayed<number>) => [t, t._withValue(5)]],
  ])('a persisted value met %s merges with it', (_, order) => {
    const t = inc(literal(1))
    const graph = TaskGraph.collect('test', [add(...order(t))])
    const keys = Array.from({ length: graph.size }, (_, i) => graph.key(i))
    expect(new Set(keys).size).toBe(keys.length)
    expect(keys).toContain(t.key)
    const top = graph.size - 1
    expect(depKeys(graph, top)).toEqual([t.key])
  })

  test('a target given twice, alone or inside a structure, is one node', () => {
    const t = inc(1)
    const both = add(t, t)
    const graph = TaskGraph.collect('test', [t, [t, { again: t }], both])
    expect(graph.size).toBe(2)
    expect(Array.from(graph.outputs, (i) => graph.key(i))).toEqual([t.key, t.key, t.key, both.key])
  })

  test('an explicit key equal to a generated one clashes', () => {
    const t = inc(1)
    const same = inc.with({ key: t.key })(2)
    expect(() => TaskGraph.collect('test', [add(t, inc(t), same)])).toThrow(KeyClashError)
    expect(() => TaskGraph.collect('test', [add(same, inc(t))])).toThrow(KeyClashError)
  })

  test('known results of tasks with generated keys stand for them, and for what only they needed', () => {
    const x = literal(1)
    const a = inc(x)
    const b = inc(a)
    const c = inc(x)
    const d = add(b, c, b)
    const graph = TaskGraph.collect('test', [d], new Map([[b.key, 42]]))
    expect(graph.size).toBe(4)
    expect(graph.indexOf(a.key)).toBeUndefined()
    const at = graph.indexOf(b.key)!
    expect(graph.fn(at)).toBeUndefined()
    expect(graph.value(at)).toBe(42)
    expect(depKeys(graph, graph.indexOf(d.key)!)).toEqual([b.key, c.key])
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
