import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { threadId } from 'node:worker_threads'
import fc from 'fast-check'
import { afterAll, describe, expect, test } from 'vitest'
import { compute } from '@taskgraph/scheduler'
import { SUITE_EXECUTORS, shared } from './executors.js'
import { runsInWorkers } from './external-executor.js'
import { build, dagArbitrary, expectedCalls, reference } from './random-dag.js'

// Random DAGs (random-dag.ts), computed on each executor, must equal a direct evaluation.

const logs = mkdtempSync(join(tmpdir(), 'taskgraph-dags-'))
afterAll(() => rmSync(logs, { recursive: true, force: true }))
let nextLog = 0
const here = `${process.pid}:${threadId}`

describe.each(SUITE_EXECUTORS)('random DAGs on the %s executor', (executor) => {
  test('compute the same values as a direct evaluation, running each distinct task once', async () => {
    await fc.assert(
      fc.asyncProperty(dagArbitrary, async (dag) => {
        const { targets, calls } = build(dag, join(logs, `calls-${nextLog++}.log`))
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
