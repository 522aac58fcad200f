import { describe, expect, test } from 'vitest'
import { delayed, gather, isDelayed, isDelayedFunction, literal, toGraph } from '../../src/index.js'
import { DelayedTuple } from '../../src/internal.js'
import type { TaskGraphology } from '../../src/index.js'

function divmod(a: number, b: number): [number, number] {
  return [Math.floor(a / b), a % b]
}

function edges(graph: TaskGraphology): [string, string][] {
  return graph.mapEdges((_edge, _attributes, source, target) => [source, target])
}

describe('delayed functions', () => {
  test('record a task per call and run nothing', () => {
    let calls = 0
    const counted = delayed(() => ++calls)
    const node = counted()
    expect(isDelayed(node)).toBe(true)
    expect(node.isData).toBe(false)
    expect(calls).toBe(0)
  })

  test('expose the wrapped function and their options', () => {
    const dDivmod = delayed(divmod, { pure: true })
    expect(dDivmod.fn).toBe(divmod)
    expect(dDivmod.options).toEqual({ pure: true })
    expect(Object.isFrozen(dDivmod.options)).toBe(true)
    expect(isDelayedFunction(dDivmod)).toBe(true)
    expect(isDelayedFunction(divmod)).toBe(false)
  })

  test('wrapping a delayed function again wraps the original with merged options', () => {
    const twice = delayed(delayed(divmod, { name: 'dm' }), { pure: true })
    expect(twice.fn).toBe(divmod)
    expect(twice.options).toEqual({ name: 'dm', pure: true })
  })
})

describe('derived tasks', () => {
  const record = delayed(() => ({ list: [1, 2, 3], text: 'a b' })).with({ key: 'record' })()

  test('get, at and call are new tasks that depend on the value', () => {
    const list = record.get('list')
    const last = list.at(-1)
    const words = record.get('text').call('padStart', 5)
    expect([list.name, last.name, words.name]).toEqual(['get', 'at', 'padStart'])
    expect(edges(toGraph(last))).toEqual([
      ['record', list.key],
      [list.key, last.key],
    ])
    expect(toGraph(words).order).toBe(3)
  })

  test('call takes lazy arguments', () => {
    const separator = literal(' ', { key: 'separator' })
    const joined = record.get('list').call('join', separator)
    expect(toGraph(joined).inNeighbors(joined.key).sort()).toEqual(
      ['separator', record.get('list').key].sort(),
    )
  })
})

describe('nout', () => {
  const dDivmod = delayed(divmod, { nout: 2 })

  test('calls give a DelayedTuple that destructures into one element task each', () => {
    const result = dDivmod(7, 2)
    expect(result).toBeInstanceOf(DelayedTuple)
    expect(result.length).toBe(2)
    const [q, r] = result
    expect([q?.name, r?.name]).toEqual(['at', 'at'])
    expect(edges(toGraph(q, r))).toEqual([
      [result.key, q!.key],
      [result.key, r!.key],
    ])
  })

  test('unpack gives the same element tasks as destructuring', () => {
    const result = dDivmod(7, 2)
    const [q, r] = result
    expect(result.unpack().map((part) => part.key)).toEqual([q?.key, r?.key])
  })

  test('nout: 0 destructures into nothing', () => {
    expect([...delayed(() => [] as [], { nout: 0 })()]).toEqual([])
  })

  test('with() keeps nout', () => {
    expect(dDivmod.with({ key: 'dm' })(7, 2)).toBeInstanceOf(DelayedTuple)
  })
})

describe('gather', () => {
  const a = delayed(() => 1)()
  const b = delayed(() => 'b')()

  test('of several values or of an array is a tuple of their length', () => {
    expect(gather(a, b)).toBeInstanceOf(DelayedTuple)
    expect(gather(a, b).length).toBe(2)
    expect(gather([a, b, 3]).length).toBe(3)
    expect(gather(a).length).toBe(1)
  })

  test('of a plain object is one lazy object', () => {
    const both = gather({ x: a, y: b })
    expect(both).not.toBeInstanceOf(DelayedTuple)
    expect(toGraph(both).inNeighbors(both.key).sort()).toEqual([a.key, b.key].sort())
  })
})

describe('Delayed', () => {
  test('prints as its key', () => {
    const node = delayed(() => 1).with({ key: 'one' })()
    expect(String(node)).toBe('Delayed("one")')
  })
})
