import { describe, expect, test } from 'vitest'
import {
  InvalidArgumentError,
  NotCallableError,
  delayed,
  gather,
  tokenize,
} from '../../src/index.js'
import { TaskGraph, containsDelayed } from '../../src/internal.js'
import type { Delayed } from '../../src/index.js'

const use = delayed((...args: unknown[]) => args, { name: 'use' })
const source = delayed((value: unknown) => value, { name: 'source' })

/** The arguments `node`'s function would be called with, given each dependency's result by key. */
function argsOf(node: Delayed, resultByKey: Record<string, unknown>): unknown[] {
  const graph = TaskGraph.collect('argsOf', [node])
  const results = Array.from({ length: graph.size }, (_, i) => resultByKey[graph.key(i)])
  // Nodes are numbered dependencies first, so the target is the last one.
  return graph.args(graph.size - 1, results)
}

describe('recorded arguments', () => {
  const a = source.with({ key: 'a' })('A')
  const b = source.with({ key: 'b' })('B')
  const results = { a: 'result of a', b: 'result of b' }

  test('plain values are passed as they are, Delayed values as their results', () => {
    const data = { n: 1 }
    const args = argsOf(use(1, 'two', a, data, null, b, a), results)
    expect(args).toEqual([1, 'two', 'result of a', { n: 1 }, null, 'result of b', 'result of a'])
    // A copy made at the call (see below).
    expect(args[3]).not.toBe(data)
  })

  // As Dask copies lists and dicts when a call is made: a JavaScript habit, refilling one
  // array, gave each task what the array held last.
  test('an array the caller empties and fills again after each call: each task has what it held', () => {
    const batch: unknown[] = []
    const nested = { rows: [[1]], named: Object.assign(Object.create(null) as object, { k: 1 }) }
    const nodes = []
    for (let i = 1; i <= 6; i++) {
      batch.push(i)
      if (batch.length === 3) {
        nodes.push(use(batch, nested))
        batch.length = 0
      }
    }
    nested.rows[0]!.push(2)
    nested.rows.push([3])
    expect(nodes.map((node) => argsOf(node, results))).toEqual([
      [[1, 2, 3], { rows: [[1]], named: { k: 1 } }],
      [[4, 5, 6], { rows: [[1]], named: { k: 1 } }],
    ])
    const [, copied] = argsOf(nodes[0]!, results) as [unknown, { named: object }]
    expect(Object.getPrototypeOf(copied.named)).toBe(null)
  })

  test('what a copy would not keep goes as it is: an array with properties of its own, data that holds itself', () => {
    const match = /b+/.exec('abbc')!
    const loop: Record<string, unknown> = { n: 1 }
    loop.self = loop
    const ring: unknown[] = [{}]
    ;(ring[0] as Record<string, unknown>).back = ring
    const [gotMatch, holder] = argsOf(use(match, { loop, ring, plain: [1] }), results) as [
      unknown,
      Record<string, unknown>,
    ]
    expect(gotMatch).toBe(match)
    expect(holder.loop).toBe(loop)
    expect(holder.ring).toBe(ring)
    // What holds them is copied all the same.
    expect(holder.plain).toEqual([1])
  })

  test('Delayed values inside arrays and plain objects are resolved at any depth', () => {
    const args = argsOf(use([a, [b, { deep: [[{ deeper: a }]] }]], { x: { y: b }, n: 2 }), results)
    expect(args).toEqual([
      ['result of a', ['result of b', { deep: [[{ deeper: 'result of a' }]] }]],
      { x: { y: 'result of b' }, n: 2 },
    ])
  })

  test('changing an argument after the call does not change the task', () => {
    const list: unknown[] = [a, { inner: [b] }]
    const record: Record<string, unknown> = { first: a }
    const node = use(list, record)
    list.push(b)
    list[0] = 'replaced'
    ;(list[1] as { inner: unknown[] }).inner.push(a)
    record.second = b
    expect(argsOf(node, results)).toEqual([
      ['result of a', { inner: ['result of b'] }],
      { first: 'result of a' },
    ])
  })

  test('a plain object with what a copy would leave out is passed as it is', () => {
    const id = Symbol.for('id')
    const tagged = { name: 'cfg', [id]: 42 }
    const hidden = Object.defineProperty({ name: 'cfg' }, 'secret', { value: 's3cr3t' })
    const frozen = Object.freeze({ name: 'cfg' })
    const [a1, a2, a3, a4] = argsOf(use(tagged, hidden, frozen, { plain: 1 }), results) as [
      Record<PropertyKey, unknown>,
      ...Record<string, unknown>[],
    ]
    expect(a1).toBe(tagged)
    expect(a1[id]).toBe(42)
    expect(a2).toBe(hidden)
    expect(a2!.secret).toBe('s3cr3t')
    expect(a3).toBe(frozen)
    // A plain one is copied, as before.
    expect(a4).toEqual({ plain: 1 })
  })

  test('the caller’s containers are not modified by recording or resolving', () => {
    const list = [a, 1]
    argsOf(use(list), results)
    expect(list[0]).toBe(a)
  })

  test('class instances and maps are opaque: Delayed inside them are not resolved', () => {
    class Box {
      constructor(readonly content: unknown) {}
    }
    const box = new Box(a)
    const map = new Map([['k', a]])
    expect(containsDelayed([box, map])).toBe(false)
    const args = argsOf(use(box, map), results)
    expect(args[0]).toBe(box)
    expect(args[1]).toBe(map)
  })

  test('an own "__proto__" key is kept as data', () => {
    const record = JSON.parse('{"__proto__": "x", "value": null}') as Record<string, unknown>
    record.value = a
    const [resolved] = argsOf(use(record), results) as [Record<string, unknown>]
    expect(Object.keys(resolved)).toEqual(['__proto__', 'value'])
    expect(Object.getPrototypeOf(resolved)).toBe(Object.prototype)
    expect(resolved.value).toBe('result of a')
  })

  test('cyclic data is recorded without walking it along every path and is passed by reference', () => {
    // A doubly linked list: walked without cutting cycles, the paths to each node
    // multiply with the length.
    type ListNode = { prev: ListNode | null; next: ListNode | null }
    const nodes: ListNode[] = Array.from({ length: 40 }, () => ({ prev: null, next: null }))
    for (let i = 1; i < nodes.length; i++) {
      nodes[i - 1]!.next = nodes[i]!
      nodes[i]!.prev = nodes[i - 1]!
    }
    const middle = nodes[20]!
    const [passed] = argsOf(use(middle), results)
    expect(passed).toBe(middle)
  })

  test('shared data is recorded and resolved once per container, and stays shared', () => {
    // 40 levels of { left: x, right: x }: 2^40 paths, 41 containers.
    let shared: unknown = { leaf: a }
    for (let i = 0; i < 40; i++) shared = { left: shared, right: shared }
    const [resolved] = argsOf(use(shared), results) as [Record<string, Record<string, unknown>>]
    let node: Record<string, unknown> = resolved
    for (let i = 0; i < 40; i++) node = node.right as Record<string, unknown>
    expect(node).toEqual({ leaf: 'result of a' })
    expect(resolved.left).toBe(resolved.right)

    const twice = [a, b]
    expect(argsOf(use([twice, twice]), results)).toEqual([
      [
        ['result of a', 'result of b'],
        ['result of a', 'result of b'],
      ],
    ])
  })

  test('nesting deeper than the limit is an InvalidArgumentError', () => {
    let deep: unknown[] = [a]
    for (let i = 0; i < 2100; i++) deep = [deep]
    expect(() => use(deep)).toThrow(InvalidArgumentError)
  })

  // The getter's own error escaped the call, from inside the recording.
  test('an argument whose getter throws is an InvalidArgumentError, with its error as cause', () => {
    const boom = new RangeError('boom')
    const broken = {
      get broken(): never {
        throw boom
      },
    }
    for (const args of [[broken], [{ a, nested: [broken] }]]) {
      let thrown: unknown
      try {
        use(...args)
      } catch (error) {
        thrown = error
      }
      expect(thrown).toBeInstanceOf(InvalidArgumentError)
      expect((thrown as Error).cause).toBe(boom)
    }
    // A question asked of a value no call records (a workflow's export) lets the error out.
    expect(() => containsDelayed(broken)).toThrow(boom)
  })

  // The Proxy's own error escaped the call, from inside the recording.
  test('an object argument whose keys throw when read (a Proxy) is an InvalidArgumentError, with its error as cause', () => {
    const boom = new RangeError('boom')
    const opaque = new Proxy(
      {},
      {
        ownKeys(): never {
          throw boom
        },
      },
    )
    for (const args of [[opaque], [{ a, nested: [opaque] }]]) {
      let thrown: unknown
      try {
        use(...args)
      } catch (error) {
        thrown = error
      }
      expect(thrown).toBeInstanceOf(InvalidArgumentError)
      expect((thrown as Error).cause).toBe(boom)
    }
  })

  test('an element of an array argument that throws when read is an InvalidArgumentError, with its error as cause', () => {
    const boom = new RangeError('boom')
    const list = new Proxy([1, 2], {
      get: (target, key) => (key === 'length' ? target.length : fail()),
    })
    const fail = (): never => {
      throw boom
    }
    let thrown: unknown
    try {
      use([a, list])
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(InvalidArgumentError)
    expect((thrown as Error).cause).toBe(boom)
  })

  // Reading the brand of a lazy value, or asking Array.isArray, threw the Proxy's error.
  test('a Proxy that refuses unknown keys, and a revoked one, are passed as they are', () => {
    const fields: Record<string | symbol, unknown> = { x: 1 }
    const strict = new Proxy(fields, {
      get: (target, key) => {
        if (!(key in target)) throw new Error(`unknown key ${String(key)}`)
        return target[key]
      },
    })
    const { proxy: revoked, revoke } = Proxy.revocable({}, {})
    revoke()
    for (const value of [strict, revoked]) {
      // Compared member by member: the matcher would read the strict Proxy's unknown keys.
      const [first, list, record] = argsOf(use(value, [value, a], { value, b }), results) as [
        unknown,
        unknown[],
        Record<string, unknown>,
      ]
      expect(first).toBe(value)
      expect(list[0]).toBe(value)
      expect(list[1]).toBe('result of a')
      expect(record.value).toBe(value)
      expect(record.b).toBe('result of b')
      // A pure call is keyed by its arguments' token, gather's too.
      expect(() => delayed((x: unknown) => x, { pure: true })(value)).not.toThrow()
      expect(TaskGraph.collect('compute', [gather([value, a])]).size).toBe(2)
      expect(tokenize(value)).not.toBe(tokenize({ x: 1 }))
    }
    expect(() => delayed(revoked as never)).toThrow(NotCallableError)
  })

  test('a Delayed inside a reference cycle is an InvalidArgumentError, as a call argument and as a target', () => {
    // The copy that gets the results would have to hold itself; the original holds Delayed.
    const holder: Record<string, unknown> = { a }
    holder.self = holder
    expect(() => use(holder)).toThrow(InvalidArgumentError)
    expect(() => TaskGraph.collect('compute', [holder])).toThrow(InvalidArgumentError)
    const list: unknown[] = [{ value: b }]
    list.push({ back: list })
    expect(() => use({ list })).toThrow(InvalidArgumentError)
    // A cycle beside the Delayed, holding none, is passed by reference.
    const loop: Record<string, unknown> = { n: 1 }
    loop.self = loop
    const [passed] = argsOf(use({ loop, a }), results) as [Record<string, unknown>]
    expect(passed).toEqual({ loop, a: 'result of a' })
    expect(passed.loop).toBe(loop)
  })
})

describe('containsDelayed', () => {
  const a = source('A')

  test('finds a Delayed at any depth of arrays and plain objects', () => {
    expect(containsDelayed(a)).toBe(true)
    expect(containsDelayed([1, { x: [[a]] }])).toBe(true)
    expect(containsDelayed({ x: [1, 2], y: 'a' })).toBe(false)
    expect(containsDelayed(42)).toBe(false)
  })
})
