import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { threadId } from 'node:worker_threads'
import { literal } from '@taskgraph/core'
import type { Delayed } from '@taskgraph/core'
import fc from 'fast-check'
import { afterAll, describe, expect, test } from 'vitest'
import { compute } from '@taskgraph/scheduler'
import { SUITE_EXECUTORS, shared } from './executors.js'
import { runsInWorkers } from './external-executor.js'
import { combine, tasks } from './fixtures/dag-tasks.mjs'

const logs = mkdtempSync(join(tmpdir(), 'taskgraph-dags-'))
afterAll(() => rmSync(logs, { recursive: true, force: true }))
let nextLog = 0
const here = `${process.pid}:${threadId}`

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

/**
 * Records the DAG as Delayed values; copies of a node spec are recorded again. Task
 * functions come from a fixture module (workers import it) and log each call to a file.
 */
function build(dag: Dag) {
  const log = join(logs, `calls-${nextLog++}.log`)
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

describe.each(SUITE_EXECUTORS)('random DAGs on the %s executor', (executor) => {
  test('compute the same values as a direct evaluation, running each distinct task once', async () => {
    await fc.assert(
      fc.asyncProperty(dagArbitrary, async (dag) => {
        const { targets, calls } = build(dag)
        const results = await compute(...targets, { executor: shared(executor) })
        const memo = new Map<number, number>()
        expect(results).toEqual(dag.outputs.map((i) => reference(dag, i, memo)))
        const ran = calls()
        expect(ran).toHaveLength(expectedCalls(dag))
        // Executors that run calls in workers run every one there: none on this thread.
        if (runsInWorkers(executor)) {
          expect(ran.filter((where) => where === here)).toEqual([])
        }
      }),
      { numRuns: 250 },
    )
  })
})
