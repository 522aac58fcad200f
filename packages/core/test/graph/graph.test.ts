import { describe, expect, test } from 'vitest'
import { KeyClashError, delayed, gather, literal, toGraph } from '../../src/index.js'
import type { TaskGraphology } from '../../src/index.js'

const inc = delayed(function inc(x: number) {
  return x + 1
})
const add = delayed(function add(a: number, b: number) {
  return a + b
})
const sum = delayed(function sum(values: number[]) {
  return values.reduce((a, b) => a + b, 0)
})

function edges(graph: TaskGraphology): [string, string][] {
  return graph.mapEdges((_edge, _attributes, source, target) => [source, target])
}

describe('toGraph', () => {
  test('holds a shared dependency once, with an edge to each dependent', () => {
    const x = inc.with({ key: 'x' })(1)
    const left = inc.with({ key: 'left' })(x)
    const right = inc.with({ key: 'right' })(x)
    const total = add.with({ key: 'total' })(left, right)
    const graph = toGraph(total)
    expect(graph.nodes()).toEqual(['x', 'left', 'right', 'total'])
    expect(edges(graph)).toEqual([
      ['x', 'left'],
      ['x', 'right'],
      ['left', 'total'],
      ['right', 'total'],
    ])
  })

  test('has one edge for a value used twice by one task', () => {
    const x = inc.with({ key: 'x' })(1)
    expect(edges(toGraph(add.with({ key: 'double' })(x, x)))).toEqual([['x', 'double']])
  })

  test('holds only the nodes the requested outputs need', () => {
    const x = inc.with({ key: 'x' })(1)
    inc.with({ key: 'unrequested' })(x)
    const wanted = inc.with({ key: 'wanted' })(x)
    expect(toGraph(wanted).nodes()).toEqual(['x', 'wanted'])
    expect(toGraph(x).nodes()).toEqual(['x'])
  })

  test('marks data and task nodes and lists the outputs once each, in order', () => {
    const data = literal(41, { key: 'data', name: 'answer' })
    const y = inc.with({ key: 'y' })(data)
    const graph = toGraph(y, data, y)
    expect(graph.getNodeAttributes('data')).toEqual({ kind: 'data', name: 'answer' })
    expect(graph.getNodeAttributes('y')).toEqual({ kind: 'task', name: 'inc' })
    expect(graph.getAttribute('outputs')).toEqual(['y', 'data'])
  })

  test('finds dependencies in arrays and plain objects at any depth', () => {
    const a = inc.with({ key: 'a' })(1)
    const b = inc.with({ key: 'b' })(2)
    const c = inc.with({ key: 'c' })(3)
    const use = delayed((_: unknown) => 0, { name: 'use' }).with({ key: 'use' })
    const node = use({ top: [a, { deeper: [[{ deepest: b }]] }], plain: 1, more: { c } })
    expect(edges(toGraph(node))).toEqual([
      ['a', 'use'],
      ['b', 'use'],
      ['c', 'use'],
    ])
  })

  test('is built from the targets, which may be structures holding Delayed', () => {
    const a = inc.with({ key: 'a' })(1)
    const b = inc.with({ key: 'b' })(2)
    const graph = toGraph({ first: [a], second: b }, 'not lazy')
    expect(graph.nodes()).toEqual(['a', 'b'])
    expect(graph.getAttribute('outputs')).toEqual(['a', 'b'])
  })

  test('does not see changes made to an argument after the call', () => {
    const a = inc.with({ key: 'a' })(1)
    const b = inc.with({ key: 'b' })(2)
    const values = [a]
    const options = { extra: [a] }
    const total = sum.with({ key: 'total' })(values)
    const withOptions = delayed((_: unknown) => 0).with({ key: 'with-options' })(options)
    values.push(b)
    options.extra.push(b)
    expect(toGraph(total).nodes()).toEqual(['a', 'total'])
    expect(toGraph(withOptions).nodes()).toEqual(['a', 'with-options'])
  })

  test('adds nodes dependencies first, finishing one chain before the next', () => {
    const a3 = inc.with({ key: 'a3' })(inc.with({ key: 'a2' })(inc.with({ key: 'a1' })(0)))
    const b3 = inc.with({ key: 'b3' })(inc.with({ key: 'b2' })(inc.with({ key: 'b1' })(0)))
    const both = add.with({ key: 'both' })(a3, b3)
    expect(toGraph(both).nodes()).toEqual(['a1', 'a2', 'a3', 'b1', 'b2', 'b3', 'both'])
  })

  test('Delayed#toGraph gives the graph of that value', () => {
    const x = inc.with({ key: 'x' })(1)
    const y = inc.with({ key: 'y' })(x)
    const graph = y.toGraph()
    expect(graph.nodes()).toEqual(['x', 'y'])
    expect(edges(graph)).toEqual([['x', 'y']])
    expect(graph.getAttribute('outputs')).toEqual(['y'])
  })
})

describe('explicit keys in one graph', () => {
  const load = delayed(function load(path: string) {
    return path.length
  })

  test('identical tasks under one key merge into one node', () => {
    const first = load.with({ key: 'load' })('a.csv')
    const second = load.with({ key: 'load' })('a.csv')
    const graph = toGraph(gather(first, second))
    expect(graph.filterNodes((_key, { name }) => name === 'load')).toEqual(['load'])
  })

  test('identical tasks with identical explicit-key dependencies merge', () => {
    const make = () => inc.with({ key: 'outer' })(load.with({ key: 'load' })('a.csv'))
    expect(toGraph(make(), make()).nodes()).toEqual(['load', 'outer'])
  })

  test('two different tasks under one key are a KeyClashError', () => {
    const first = load.with({ key: 'load' })('a.csv')
    const second = load.with({ key: 'load' })('b.csv')
    expect(() => toGraph(first, second)).toThrow(KeyClashError)
    try {
      toGraph(gather(first, second))
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(KeyClashError)
      expect(error).toMatchObject({ code: 'ERR_KEY_CLASH', key: 'load' })
    }
  })

  test('different functions under one key clash', () => {
    const first = load.with({ key: 'k' })('a.csv')
    const second = delayed((path: string) => path).with({ key: 'k' })('a.csv')
    expect(() => toGraph(first, second)).toThrow(KeyClashError)
  })

  test('a task and a data node under one key clash', () => {
    const first = load.with({ key: 'k' })('a.csv')
    expect(() => toGraph(first, literal('a.csv', { key: 'k' }))).toThrow(KeyClashError)
  })

  test('a task nested as a dependency of another task with its key clashes', () => {
    const inner = load.with({ key: 'k' })('a.csv')
    const outer = inc.with({ key: 'k' })(inner)
    expect(() => toGraph(outer)).toThrow(KeyClashError)
    const deeper = inc.with({ key: 'k' })(inc(inc(inner)))
    expect(() => toGraph(deeper)).toThrow(KeyClashError)
  })

  test('a clash in the dependencies of merged tasks is found', () => {
    const outer1 = inc.with({ key: 'outer' })(load.with({ key: 'load' })('a.csv'))
    const outer2 = inc.with({ key: 'outer' })(load.with({ key: 'load' })('b.csv'))
    expect(() => toGraph(outer1, outer2)).toThrow(KeyClashError)
  })
})
