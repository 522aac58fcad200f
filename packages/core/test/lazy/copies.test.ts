import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, test } from 'vitest'
import {
  delayed,
  gather,
  isDelayed,
  isDelayedFunction,
  toGraph,
  tokenize,
} from '../../src/index.js'
import type * as Core from '../../src/index.js'
import type { Delayed } from '../../src/index.js'
import { TaskGraph, recordedModules } from '../../src/internal.js'
import type * as Internal from '../../src/internal.js'

// The built package is a second copy of @taskgraph/core beside the sources these tests
// load: classes and module state of its own, as a second installed version would have.
const built = new URL('../../dist/index.js', import.meta.url)
if (!existsSync(fileURLToPath(built))) {
  throw new Error(
    'Build @taskgraph/core first (pnpm build): this test loads dist/ as a second copy.',
  )
}
const other = (await import(built.href)) as typeof Core

const SHARED_SCHEDULER = Symbol.for('taskgraph.scheduler')
afterEach(() => {
  delete (globalThis as Record<symbol, unknown>)[SHARED_SCHEDULER]
})

/** Runs a collected graph on this thread, node by node (its order is topological). */
function run(graph: TaskGraph): unknown[] {
  const results: unknown[] = []
  for (let i = 0; i < graph.size; i++) {
    const fn = graph.fn(i)
    results.push(fn === undefined ? graph.value(i) : fn(...graph.args(i, results)))
  }
  return graph.assemble(results)
}

describe('a Delayed made by another copy of the package', () => {
  const inc = other.delayed((x: number) => x + 1, { name: 'inc' })
  const add = delayed((a: number, b: { x: number }) => a + b.x, { name: 'add' })

  test('is a real copy: its own class, yet recognised by the brand', () => {
    const made = inc(1)
    expect(made.constructor).not.toBe(delayed((x: number) => x)(1).constructor)
    expect(isDelayed(made)).toBe(true)
    expect(isDelayed(other.bag.from([1, 2]))).toBe(true)
    expect(isDelayedFunction(inc)).toBe(true)
    expect(isDelayed({ key: 'inc-1' })).toBe(false)
  })

  test('is collected into a graph with this copy’s values, and computes', () => {
    const one = inc(1)
    const total = add(one, { x: inc(one) })
    const graph = TaskGraph.collect('test', [total])
    expect(graph.size).toBe(3)
    expect(run(graph)).toEqual([5])
    expect(toGraph(total).inEdges(total.key)).toHaveLength(2)
  })

  test('its recorded nested arguments resolve here', () => {
    const both = other.gather({ a: inc(1), b: [inc(2), 10] })
    expect(run(TaskGraph.collect('test', [gather([both, inc(0)])]))).toEqual([
      [{ a: 2, b: [3, 10] }, 1],
    ])
  })

  test('under a generated key this copy also made, it clashes, as any two tasks under one key do', () => {
    // Each copy counts its own generated keys: make both reach the same one.
    const counter = (made: Delayed) => parseInt(made.key.slice('same-'.length), 36)
    const mine = delayed((x: number) => x, { name: 'same' })
    const theirs = other.delayed((x: number) => x * 2, { name: 'same' })
    let here = mine(1)
    let there = theirs(1)
    while (counter(here) < counter(there)) here = mine(1)
    while (counter(there) < counter(here)) there = theirs(1)
    expect(there.key).toBe(here.key)
    expect(() => TaskGraph.collect('test', [add(1, { x: inc(here) }), there])).toThrow(
      /two different tasks have the key/,
    )
  })

  test('collected by either copy in turn, it is numbered right each time', async () => {
    const otherInternal = (await import(
      new URL('../../dist/internal.js', import.meta.url).href
    )) as typeof Internal
    const shared = inc(1)
    // Each collection marks `shared` with its number and its node there (3rd in the other
    // copy's graph, 1st in this copy's): a mark left by the other copy must never pass
    // for one of this collection's, so collections take numbers from one counter.
    const there = other.gather([inc(0), inc(inc(5)), shared])
    const here = add(1, { x: shared })
    const marks: number[] = []
    for (let round = 0; round < 3; round++) {
      expect(run(otherInternal.TaskGraph.collect('test', [there]))).toEqual([[1, 7, 2]])
      marks.push(shared._collection)
      expect(run(TaskGraph.collect('test', [here]))).toEqual([3])
      marks.push(shared._collection)
    }
    expect(marks).toEqual([...marks].sort((a, b) => a - b))
    expect(new Set(marks).size).toBe(marks.length)
  })

  test('tokenizes as its key, as this copy’s values do', () => {
    const made = inc(1)
    const here = delayed((x: number) => x).with({ key: made.key })(1)
    expect(tokenize([made, 1])).toBe(tokenize([here, 1]))
  })

  test('registers task modules where this copy’s pools look for functions', () => {
    const url = 'file:///workflows/from-another-copy.ts'
    other.registerTaskModule(url)
    expect(recordedModules()).toContain(url)
  })

  test('computes on the scheduler of another copy when its own has none', async () => {
    const seen: unknown[] = []
    const otherInternal = (await import(
      new URL('../../dist/internal.js', import.meta.url).href
    )) as typeof Internal
    otherInternal.registerScheduler({
      compute: (caller, targets) => {
        seen.push(caller)
        return Promise.resolve(run(TaskGraph.collect(caller, targets)))
      },
    })
    const value: Delayed<number> = add(1, { x: other.literal(2) })
    expect(await value.compute()).toBe(3)
    expect(seen).toEqual(['Delayed#compute'])
  })
})
