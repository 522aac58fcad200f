// Random DAGs for property tests (random-dags.test.ts here, and the cache's): nodes are
// data (literals, some pure) or tasks combining earlier nodes passed in various argument
// shapes, sync or async, pure or not; pure tasks repeat on purpose, to be merged.
import { readFileSync, writeFileSync } from 'node:fs'
import { literal } from '@taskgraph/core'
import type { Delayed } from '@taskgraph/core'
import fc from 'fast-check'
import { combine, tasks } from './fixtures/dag-tasks.mjs'

export const SHAPES = ['flat', 'array', 'object', 'deep'] as const
type Shape = (typeof SHAPES)[number]

export type NodeSpec =
  | { readonly kind: 'literal'; readonly value: number; readonly pure: boolean }
  | {
      readonly kind: 'task'
      readonly seed: number
      readonly deps: readonly number[]
      readonly shape: Shape
      readonly pure: boolean
      readonly isAsync: boolean
    }

export interface Dag {
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
export const dagArbitrary: fc.Arbitrary<Dag> = fc
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
export function shapeArgs<T>(shape: Shape, items: readonly T[]): unknown[] {
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

/** Direct evaluation of node `i`. */
export function reference(dag: Dag, i: number, memo: Map<number, number>): number {
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
export function expectedCalls(dag: Dag): number {
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

/**
 * Records the DAG as Delayed values; copies of a node spec are recorded again. Task
 * functions come from a fixture module (workers import it) and log each call to `log`,
 * which is emptied first.
 */
export function build(dag: Dag, log: string) {
  writeFileSync(log, '')
  const made: Delayed<number>[] = []
  for (const node of dag.nodes) {
    if (node.kind === 'literal') {
      made.push(literal(node.value, { pure: node.pure }))
    } else {
      const fn = tasks[node.isAsync ? 'async' : 'sync'][node.pure ? 'pure' : 'impure']
      const args = shapeArgs(
        node.shape,
        node.deps.map((dep) => made[dep]!),
      )
      made.push((fn as (...args: unknown[]) => Delayed<number>)(log, node.seed, ...args))
    }
  }
  /** Where each call ran, as `pid:threadId`. */
  const calls = (): string[] => readFileSync(log, 'utf8').split('\n').slice(0, -1)
  return { targets: dag.outputs.map((i) => made[i]!), calls }
}
