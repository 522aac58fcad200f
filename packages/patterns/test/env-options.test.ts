import { parallelCompute, parallelMap } from '@taskgraph/patterns'
import { afterEach, describe, expect, test, vi } from 'vitest'
import { ParallelComputation } from './fixtures/seed-properties.js'

// The patterns run graphs with compute's options, TASKGRAPH_* variables included (read
// on every call). Each test sets the ones it needs with `env`; they are restored after it.
function env(variables: Record<string, string>): void {
  for (const [name, value] of Object.entries(variables)) vi.stubEnv(name, value)
}
afterEach(() => {
  vi.unstubAllEnvs()
})

describe('TASKGRAPH_EXECUTOR', () => {
  test('parallelCompute reads it, as compute does', async () => {
    env({ TASKGRAPH_EXECUTOR: 'inline' })
    const names: string[] = []
    const hooks = { onStart: ({ executor }: { executor: string }) => names.push(executor) }
    await parallelCompute(ParallelComputation.create({ data: [1, 2] }), ['result'], { hooks })
    expect(names).toEqual(['inline'])
  })
})

// A WorkerLostError's message tells of it for these: parallelMap takes no retries of its own.
describe('TASKGRAPH_RETRIES', () => {
  test("parallelMap's tasks are tried again as it allows", async () => {
    let calls = 0
    const failsOnce = (x: number): number => {
      if (calls++ === 0) throw new Error('once')
      return x
    }
    await expect(parallelMap(failsOnce, [1], { executor: 'inline' })).rejects.toMatchObject({
      code: 'ERR_TASK_FAILED',
    })
    calls = 0
    env({ TASKGRAPH_RETRIES: '1' })
    expect(await parallelMap(failsOnce, [1], { executor: 'inline' })).toEqual([1])
  })
})

describe('bad values', () => {
  test('parallelMap reads them too, though it keeps its own executor', async () => {
    env({ TASKGRAPH_WORKERS: 'abc' })
    await expect(parallelMap((x: number) => x, [1], { executor: 'inline' })).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTION',
    })
    env({ TASKGRAPH_WORKERS: '', TASKGRAPH_EXECUTOR: 'gpu' })
    await expect(parallelMap((x: number) => x, [1], { executor: 'inline' })).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTION',
    })
  })
})
