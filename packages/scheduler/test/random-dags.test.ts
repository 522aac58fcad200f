import { delayed, literal } from '@taskgraph/core'
import type { Delayed } from '@taskgraph/core'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { compute } from '../src/index.js'
import { EXECUTORS } from './executors.js'

/**
 * Random DAGs, computed on each executor, must equal a direct evaluation. Nodes are data
 * (literals, some pure) or tasks combining earlier nodes passed in various argument
 * shapes, sync or async, pure or not; pure tasks repeat on purpose, to be merged.
 */

const SHAPES = ['flat', 'array', 'object', 'deep'] as const
type Shape = (typeof SHAPES)[number]

type NodeSpec =
  | { readonly kind: 'literal'; readonly value: number; readonly pure: boolean }
  | {
      readonly kind: 'task'
      readonly seed: number
      readonly deps: readonly number[]
      readonly shape: Shape
      readonly pure: boolean
      readonly isAsync: boolean
    }

interface Dag {
  readonly nodes: readonly NodeSpec[]
  readonly outputs: readonly number[]
}

const rawNode = fc.record({
  choice: fc.nat(9),
  value: fc.integer({ min: -50, max: 50 }),
  seed: fc.nat(5),
  deps: fc.array(fc.nat(), { maxLength: 4 }),
  shape: fc.constantFrom(...SHAPES),
  pure: fc.boolean(),
  isAsync: fc.boolean(),
  copyOf: fc.nat(),
})

/** Turns raw draws into a DAG: dependencies only point back, copies repeat a pure task. */
const dagArbitrary: fc.Arbitrary<Dag> = fc
  .tuple(
    fc.array(rawNode, { minLength: 1, maxLength: 30, size: 'medium' }),
    fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
  )
  .map(([raws, outputs]) => {
    const nodes: NodeSpec[] = []
    for (const [i, raw] of raws.entries()) {
      const pureTasks = nodes.filter((node) => node.kind === 'task' && node.pure)
      if (i === 0 || raw.choice < 2) {
        nodes.push({ kind: 'literal', value: raw.value, pure: raw.pure })
      } else if (raw.choice < 4 && pureTasks.length > 0) {
        nodes.push(pureTasks[raw.copyOf % pureTasks.length]!)
      } else {
        const deps = raw.deps.map((dep) => dep % i)
        nodes.push({
          kind: 'task',
          seed: raw.seed,
          deps,
          shape: raw.shape,
          pure: raw.pure,
          isAsync: raw.isAsync,
        })
      }
    }
    return { nodes, outputs: outputs.map((output) => output % nodes.length) }
  })

/** Places `items` in arguments of the given shape. */
function shapeArgs<T>(shape: Shape, items: readonly T[]): unknown[] {
  switch (shape) {
    case 'flat':
      return [...items]
    case 'array':
      return [[...items]]
    case 'object':
      return [Object.fromEntries(items.map((item, k) => [`k${k}`, k % 2 === 0 ? item : [item]]))]
    case 'deep':
      return [[[{ inner: [...items] }]], 'tail']
  }
}

/** The numbers in `value`, depth first, in array and key order. */
function leaves(value: unknown): number[] {
  if (typeof value === 'number') return [value]
  if (Array.isArray(value)) return value.flatMap(leaves)
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(leaves)
  return []
}

/** The task function: order-sensitive, so a misplaced argument changes the result. */
function combine(seed: number, ...inputs: unknown[]): number {
  return leaves(inputs).reduce((acc, n, k) => (acc * 31 + (k + 1) * n) % 1_000_003, seed + 7)
}

/** Direct evaluation of node `i`. */
function reference(dag: Dag, i: number, memo: Map<number, number>): number {
  const known = memo.get(i)
  if (known !== undefined) return known
  const node = dag.nodes[i]!
  const value =
    node.kind === 'literal'
      ? node.value
      : combine(
          node.seed,
          ...shapeArgs(
            node.shape,
            node.deps.map((dep) => reference(dag, dep, memo)),
          ),
        )
  memo.set(i, value)
  return value
}

/**
 * How many task calls computing the outputs should make: one per distinct task they
 * need, where pure tasks (and pure literals) with equal content are one.
 */
function expectedCalls(dag: Dag): number {
  const identity = new Map<number, string>()
  const identityOf = (i: number): string => {
    const known = identity.get(i)
    if (known !== undefined) return known
    const node = dag.nodes[i]!
    const id =
      node.kind === 'literal'
        ? node.pure
          ? `literal ${node.value}`
          : `literal #${i}`
        : node.pure
          ? `task ${node.isAsync} ${node.seed} ${node.shape} (${node.deps.map(identityOf).join(', ')})`
          : `task #${i}`
    identity.set(i, id)
    return id
  }
  const needed = new Set<string>()
  const visit = (i: number): void => {
    const node = dag.nodes[i]!
    if (node.kind === 'task') needed.add(identityOf(i))
    if (node.kind === 'task') node.deps.forEach(visit)
  }
  dag.outputs.forEach(visit)
  return needed.size
}

/** Records the DAG as Delayed values; copies of a node spec are recorded again. */
function build(dag: Dag) {
  let calls = 0
  const counted = (seed: number, ...inputs: unknown[]): number => {
    calls++
    return combine(seed, ...inputs)
  }
  const countedAsync = async (seed: number, ...inputs: unknown[]): Promise<number> => {
    await Promise.resolve()
    return counted(seed, ...inputs)
  }
  const functions = {
    sync: { pure: delayed(counted, { pure: true }), impure: delayed(counted) },
    async: { pure: delayed(countedAsync, { pure: true }), impure: delayed(countedAsync) },
  }
  const made: Delayed<number>[] = []
  for (const node of dag.nodes) {
    if (node.kind === 'literal') {
      made.push(literal(node.value, { pure: node.pure }))
    } else {
      const fn = functions[node.isAsync ? 'async' : 'sync'][node.pure ? 'pure' : 'impure']
      const args = shapeArgs(
        node.shape,
        node.deps.map((dep) => made[dep]!),
      )
      made.push((fn as (...args: unknown[]) => Delayed<number>)(node.seed, ...args))
    }
  }
  return { targets: dag.outputs.map((i) => made[i]!), calls: () => calls }
}

describe.each(EXECUTORS)('random DAGs on the %s executor', (executor) => {
  test('compute the same values as a direct evaluation, running each distinct task once', async () => {
    await fc.assert(
      fc.asyncProperty(dagArbitrary, async (dag) => {
        const { targets, calls } = build(dag)
        const results = await compute(...targets, { executor })
        const memo = new Map<number, number>()
        expect(results).toEqual(dag.outputs.map((i) => reference(dag, i, memo)))
        expect(calls()).toBe(expectedCalls(dag))
      }),
      { numRuns: 250 },
    )
  })
})
