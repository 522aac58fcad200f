import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { compute, ThreadExecutor } from '@taskgraph/scheduler'
import {
  build,
  dagArbitrary,
  expectedCalls,
  reference,
  type Dag,
} from '../../scheduler/test/random-dag.js'
import { EXTERNAL } from '../../scheduler/test/external-executor.js'
import { shared } from '../../scheduler/test/executors.js'
import { TaskCache } from '../src/index.js'

// The scheduler's random DAGs, computed with a cache: a cold run equals a direct
// evaluation and runs each distinct task once; a warm run gives the same values and runs
// only what the cache cannot hold: impure tasks, and pure tasks that need an impure one.
// With TASKGRAPH_TEST_EXECUTOR set (the cluster's vitest.suites.config.ts), on that
// executor alone.

/**
 * The calls a warm run makes: from the outputs down, a pure task whose inputs are all
 * data or such tasks is read from the cache (and what it needed is not visited);
 * anything else runs, once per distinct task.
 */
function expectedWarmCalls(dag: Dag): number {
  const cacheable = new Map<number, boolean>()
  const isCacheable = (i: number): boolean => {
    const node = dag.nodes[i]!
    if (node.kind === 'literal') return true
    let known = cacheable.get(i)
    if (known === undefined) {
      known = node.pure && node.deps.every(isCacheable)
      cacheable.set(i, known)
    }
    return known
  }
  const ran = new Set<string>()
  const identity = (i: number): string => {
    const node = dag.nodes[i]!
    if (node.kind === 'literal') return node.pure ? `literal ${node.value}` : `literal #${i}`
    return node.pure
      ? `task ${node.isAsync} ${node.seed} ${node.shape} (${node.deps.map(identity).join(', ')})`
      : `task #${i}`
  }
  const visit = (i: number): void => {
    const node = dag.nodes[i]!
    if (node.kind === 'literal' || isCacheable(i)) return
    ran.add(identity(i))
    node.deps.forEach(visit)
  }
  dag.outputs.forEach(visit)
  return ran.size
}

let directory: string
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'taskgraph-cache-dags-'))
})
afterAll(() => rm(directory, { recursive: true, force: true }))
let nextRun = 0

describe.each(EXTERNAL === undefined ? (['inline', 'async', 'threads'] as const) : [EXTERNAL.name])(
  'random DAGs with a cache, on the %s executor',
  (name) => {
    const threads = name === 'threads' ? new ThreadExecutor({ workers: 2 }) : undefined
    afterAll(() => threads?.close())
    const executor = threads ?? shared(name)

    test('a cold run and a warm run both equal a direct evaluation; the warm one runs only what the cache cannot hold', async () => {
      await fc.assert(
        fc.asyncProperty(dagArbitrary, async (dag) => {
          const run = nextRun++
          // Every result stored, however cheap (the DAGs' tasks take microseconds).
          const cache = new TaskCache(join(directory, `${run}`), {
            store: 'all',
            onWarning: () => {},
          })
          const log = join(directory, `calls-${run}.log`)
          const expected = dag.outputs.map((i) => reference(dag, i, new Map()))

          const cold = build(dag, log)
          expect(await compute(...cold.targets, { executor, cache })).toEqual(expected)
          expect(cold.calls()).toHaveLength(expectedCalls(dag))

          const warm = build(dag, log)
          expect(await compute(...warm.targets, { executor, cache })).toEqual(expected)
          expect(warm.calls()).toHaveLength(expectedWarmCalls(dag))
        }),
        { numRuns: 60 },
      )
    })
  },
)
