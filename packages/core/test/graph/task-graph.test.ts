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
