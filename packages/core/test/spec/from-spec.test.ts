import { describe, expect, test } from 'vitest'
import {
  CycleError,
  InvalidArgumentError,
  MissingKeyError,
  NotCallableError,
  delayed,
  fromSpec,
  literal,
  ref,
  task,
  toGraph,
} from '../../src/index.js'
import type { TaskGraphology } from '../../src/index.js'
import { DelayedTuple } from '../../src/internal.js'

function inc(x: number): number {
  return x + 1
}

function add(a: number, b: number): number {
  return a + b
}

function edges(graph: TaskGraphology): [string, string][] {
  return graph.mapEdges((_edge, _attributes, source, target) => [source, target])
}

/** Catches what `fn` throws, to check several properties of one error. */
function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  return expect.unreachable('expected a throw')
}

describe('fromSpec', () => {
  test('turns each entry into a Delayed keyed by its name', () => {
    const { x, y, total } = fromSpec({
      x: 1,
      y: task(inc, ref('x')),
      total: task(add, ref('x'), ref('y')),
    })
    expect([x.key, y.key, total.key]).toEqual(['x', 'y', 'total'])
    expect(x.isData).toBe(true)
    expect(total.name).toBe('add')
    const graph = toGraph(total)
    expect(graph.nodes()).toEqual(['x', 'y', 'total'])
    expect(edges(graph)).toEqual([
      ['x', 'y'],
      ['x', 'total'],
      ['y', 'total'],
    ])
  })

  test('allows entries in any order and refs nested in arguments', () => {
    const { both } = fromSpec({
      both: task((pair: { values: number[] }) => pair, { values: [ref('a'), ref('b')] }),
      b: task(inc, ref('a')),
      a: 1,
    })
    expect(edges(toGraph(both))).toEqual([
      ['a', 'b'],
      ['a', 'both'],
      ['b', 'both'],
    ])
  })

  test('a delayed function runs the function it wraps, under the entry key, with its options', () => {
    const lazyInc = delayed(inc, { name: 'increment', retries: 2, mainThread: true })
    const lazyAdd = delayed(add)
    const { y, total } = fromSpec({
      x: 1,
      y: task(lazyInc, ref('x')),
      total: task(lazyAdd, ref('x'), ref('y')),
    })
    expect([y.key, y.name, y._fn, y._spec.options?.retries, y._spec.mainThread]).toEqual([
      'y',
      'increment',
      inc,
      2,
      true,
    ])
    expect([total.key, total.name, total._fn]).toEqual(['total', 'add', add])
    expect(edges(toGraph(total))).toEqual([
      ['x', 'y'],
      ['x', 'total'],
      ['y', 'total'],
    ])
  })

  test('a delayed function with nout makes a DelayedTuple entry', () => {
    const divmod = delayed((a: number, b: number) => [Math.floor(a / b), a % b] as const, {
      nout: 2,
    })
    const { qr } = fromSpec({ n: 7, qr: task(divmod, ref('n'), 2) })
    expect(qr).toBeInstanceOf(DelayedTuple)
    const q = [...(qr as unknown as DelayedTuple<[number, number]>)][0]!
    expect(edges(toGraph(q))).toEqual([
      ['n', 'qr'],
      ['qr', q.key],
    ])
  })

  test('names anonymous task functions lambda', () => {
    expect(fromSpec({ x: task(() => 1) }).x.name).toBe('lambda')
  })

  test('a ref to a key the spec lacks is a MissingKeyError naming that key', () => {
    const error = thrown(() => fromSpec({ y: task(inc, ref('nope')) }))
    expect(error).toBeInstanceOf(MissingKeyError)
    expect(error).toMatchObject({ code: 'ERR_MISSING_KEY', key: 'nope' })
  })

  test('entries that depend on each other in a loop are a CycleError listing the loop', () => {
    const error = thrown(() =>
      fromSpec({
        start: 1,
        a: task(add, ref('start'), ref('c')),
        b: task(inc, ref('a')),
        c: task(inc, ref('b')),
      }),
    )
    expect(error).toBeInstanceOf(CycleError)
    expect(error).toMatchObject({ code: 'ERR_GRAPH_CYCLE' })
    const { cycle } = error as CycleError
    expect(cycle[0]).toBe(cycle[cycle.length - 1])
    expect([...cycle].slice(1).sort()).toEqual(['a', 'b', 'c'])
  })

  test('an entry referring to itself is a CycleError', () => {
    const error = thrown(() => fromSpec({ a: task(inc, ref('a')) }))
    expect(error).toBeInstanceOf(CycleError)
    expect((error as CycleError).cycle).toEqual(['a', 'a'])
  })

  test('an entry named as a property of every object, referring to itself, is a CycleError', () => {
    const error = thrown(() => fromSpec({ toString: task(inc, ref('toString')) }))
    expect(error).toBeInstanceOf(CycleError)
    expect((error as CycleError).cycle).toEqual(['toString', 'toString'])
  })

  test('a bare ref or a plain value holding a ref is an InvalidArgumentError', () => {
    expect(() => fromSpec({ a: 1, b: ref('a') })).toThrow(InvalidArgumentError)
    expect(() => fromSpec({ a: 1, b: [ref('a')] })).toThrow(InvalidArgumentError)
  })

  test('a promise as an entry is an InvalidArgumentError, one inside an entry is held', () => {
    expect(() => fromSpec({ a: Promise.resolve(1) as never })).toThrow(InvalidArgumentError)
    expect(() => fromSpec({ a: { then: () => undefined } as never })).toThrow(InvalidArgumentError)
    const inside = Promise.resolve(1)
    expect(fromSpec({ a: { inside } }).a.key).toBe('a')
  })

  test('a plain value holding a Delayed is an InvalidArgumentError', () => {
    const made = literal(1)
    expect(() => fromSpec({ a: [made] })).toThrow(InvalidArgumentError)
    expect(() => fromSpec({ a: { nested: { made } } })).toThrow(InvalidArgumentError)
  })

  test('a spec that is not a plain object is an InvalidArgumentError', () => {
    expect(() => fromSpec([] as unknown as Record<string, unknown>)).toThrow(InvalidArgumentError)
    expect(() => fromSpec(null as unknown as Record<string, unknown>)).toThrow(InvalidArgumentError)
  })

  test('task() needs a function and ref() a key', () => {
    expect(() => task(42 as unknown as () => number)).toThrow(NotCallableError)
    expect(() => ref('')).toThrow(InvalidArgumentError)
  })
})
