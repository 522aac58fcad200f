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
