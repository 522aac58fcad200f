import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { delayed, gather, literal, toGraph } from '../../src/index.js'

function inc(x: number): number {
  return x + 1
}

function add(a: number, b: number): number {
  return a + b
}

describe('default keys', () => {
  test('are unique per call, even for identical calls', () => {
    const dInc = delayed(inc)
    const keys = [dInc(1).key, dInc(1).key, dInc(1).key]
    expect(new Set(keys).size).toBe(3)
  })

  test('are the function name and a counter', () => {
    expect(delayed(inc)(1).key).toMatch(/^inc-[0-9a-z]+$/)
  })

  test('of an anonymous function are named lambda', () => {
    const node = delayed((x: number) => x)(1)
    expect(node.key).toMatch(/^lambda-[0-9a-z]+$/)
    expect(node.name).toBe('lambda')
  })

  test('keep identical calls apart in a graph', () => {
    const dInc = delayed(inc)
    expect(toGraph(dInc(1), dInc(1)).order).toBe(2)
  })
})

describe('the name option', () => {
  test('sets the readable part of the key and the node name', () => {
    const node = delayed(inc, { name: 'increment' })(1)
    expect(node.key).toMatch(/^increment-[0-9a-z]+$/)
    expect(node.name).toBe('increment')
    expect(toGraph(node).getNodeAttributes(node.key)).toEqual({ kind: 'task', name: 'increment' })
  })

  test('names the delayed function itself', () => {
    expect(delayed(inc, { name: 'increment' }).name).toBe('increment')
  })
})

describe('pure keys', () => {
  const pInc = delayed(inc, { pure: true })

  test('are equal for identical calls, which are one node', () => {
    const a = pInc(1)
    const b = pInc(1)
    expect(a.key).toBe(b.key)
    expect(a.key).toMatch(/^inc-[0-9a-f]{32}$/)
    expect(toGraph(a, b).order).toBe(1)
  })

  test('differ for different arguments', () => {
    expect(pInc(1).key).not.toBe(pInc(2).key)
    expect(pInc(1).key).not.toBe(delayed(add, { pure: true })(1, 0).key)
  })

  test('differ for a different function of the same name', () => {
    const other = delayed(
      function inc(x: number) {
        return x + 2
      },
      { pure: true },
    )
    expect(other(1).key).not.toBe(pInc(1).key)
  })

  test('differ for the same function under another name', () => {
    expect(delayed(inc, { pure: true, name: 'other' })(1).key).not.toBe(pInc(1).key)
  })

  test('follow the keys of lazy arguments', () => {
    const pAdd = delayed(add, { pure: true })
    const x = delayed(inc)(1)
    const y = delayed(inc)(1)
    expect(pAdd(x, 2).key).toBe(pAdd(x, 2).key)
    expect(pAdd(x, 2).key).not.toBe(pAdd(y, 2).key)
  })

  test('compare nested arguments by content', () => {
    const total = delayed((items: { n: number[] }[]) => items.length, { pure: true })
    const x = delayed(inc)(1)
    expect(total([{ n: [1, 2] }]).key).toBe(total([{ n: [1, 2] }]).key)
    expect(total([{ n: [1, 2] }]).key).not.toBe(total([{ n: [2, 1] }]).key)
    const lazy = delayed((items: unknown[]) => items.length, { pure: true })
    expect(lazy([{ n: x }]).key).toBe(lazy([{ n: x }]).key)
  })
})

describe('portable keys', () => {
  const fixture = fileURLToPath(new URL('../fixtures/portable-keys.mjs', import.meta.url))
  /** The fixture's keys, and whether each is portable, in a process of its own. */
  const keysOf = (env: Record<string, string>): Record<string, [string, boolean]> =>
    JSON.parse(
      execFileSync(process.execPath, [fixture], {
        env: { ...process.env, ...env },
        encoding: 'utf8',
      }),
    ) as Record<string, [string, boolean]>

  test('a call of a function a module made, of plain arguments, has the same key in every process', () => {
    const first = keysOf({})
    const second = keysOf({ SHIFT: '1' })
    const portable = Object.keys(first).filter((name) => first[name]![1])
    expect(portable).toEqual(['leaf', 'sum', 'list'])
    for (const name of portable) expect(second[name]).toEqual(first[name])
    // A function made at run time is named by an id of its process: other ids taken first
    // give it another key.
    expect(second['madeLater']![0]).not.toBe(first['madeLater']![0])
  })
})

describe('explicit keys', () => {
  test('fn.with({ key }) names the task', () => {
    expect(delayed(inc).with({ key: 'load' })(1).key).toBe('load')
  })

  test('with() keeps the other options and leaves the original function alone', () => {
    const named = delayed(inc, { name: 'increment', pure: true })
    const keyed = named.with({ key: 'k' })
    expect(keyed.options).toEqual({ name: 'increment', pure: true, key: 'k' })
    expect(keyed(1).name).toBe('increment')
    expect(named(1).key).toMatch(/^increment-[0-9a-f]{32}$/)
  })
})

describe('literal keys', () => {
  test('are unique by default and use the name option', () => {
    expect(literal(1).key).toMatch(/^literal-[0-9a-z]+$/)
    expect(literal(1, { name: 'data' }).key).toMatch(/^data-[0-9a-z]+$/)
    expect(literal(1).key).not.toBe(literal(1).key)
  })

  test('can be explicit', () => {
    expect(literal([1, 2], { key: 'numbers' }).key).toBe('numbers')
  })

  test('are content keys with pure: true', () => {
    expect(literal([1, 2], { pure: true }).key).toBe(literal([1, 2], { pure: true }).key)
    expect(literal([1, 2], { pure: true }).key).not.toBe(literal([2, 1], { pure: true }).key)
  })
})

describe('keys of derived tasks', () => {
  const x = delayed(() => ({ a: [1, 2], s: 'text' }))()

  test('get and at are pure: the same access is the same task', () => {
    expect(x.get('a').key).toBe(x.get('a').key)
    expect(x.get('a').key).not.toBe(x.get('s').key)
    const a = x.get('a')
    expect(a.at(0).key).toBe(a.at(0).key)
    expect(a.at(0).key).not.toBe(a.at(-1).key)
  })

  test('call is not pure: each call is its own task, named after the method', () => {
    const s = x.get('s')
    const upper = s.call('toUpperCase')
    expect(upper.key).not.toBe(s.call('toUpperCase').key)
    expect(upper.name).toBe('toUpperCase')
  })

  test('gathering the same values twice gives the same task', () => {
    const y = delayed(inc)(1)
    expect(gather(x, y).key).toBe(gather(x, y).key)
    expect(gather(x, y).key).toBe(gather([x, y]).key)
    expect(gather(x, y).key).not.toBe(gather(y, x).key)
  })
})
