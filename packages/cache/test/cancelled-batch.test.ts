import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeEach, describe, expect, test } from 'vitest'
import { gather } from '@taskgraph/core'
import { CancelledError, compute, ProcessExecutor, ThreadExecutor } from '@taskgraph/scheduler'
import { TaskCache } from '../src/index.js'
import { squareLater, total } from './fixtures/batch-tasks.mjs'

// A run on a pool cancelled while a call of a batch still waits keeps the calls of that
// batch that had ended: their worker told of them as they ended, not with the batch's
// end, so the cache stored them and the re-run does not run them again.

let directory: string
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'taskgraph-cache-batch-'))
  return () => rm(directory, { recursive: true, force: true })
})

/** The calls the tasks noted in `log`, sorted. */
async function calls(log: string): Promise<string[]> {
  return (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean).sort()
}

describe.each(['threads', 'processes'] as const)('on %s', (name) => {
  test('a run cancelled while a call of a batch waits keeps the calls of that batch that had ended', async () => {
    const pool =
      name === 'threads' ? new ThreadExecutor({ workers: 2 }) : new ProcessExecutor({ workers: 2 })
    try {
      const log = join(directory, 'calls.log')
      // Timed by the pool, squareLater goes many to a batch: of eight at once over two
      // workers, the first batch takes four, the late one among them.
      const warmUp = Array.from({ length: 8 }, (_, i) => squareLater(log, -1 - i, 0))
      await compute(gather(warmUp), { executor: pool })
      const inputs = Array.from({ length: 7 }, (_, i) => i)
      const flow = (ms: number): unknown => {
        const quick = inputs.map((x) => squareLater(log, x, 10))
        return total(quick[0]!, squareLater(log, 99, ms), ...quick.slice(1))
      }
      await rm(log, { force: true })
      const stop = new AbortController()
      let ended = 0
      const stopped = compute(flow(60_000), {
        executor: pool,
        cache: new TaskCache(directory, { store: 'all' }),
        signal: stop.signal,
        hooks: { onTaskEnd: () => void (++ended === inputs.length && stop.abort()) },
      })
      // Stopped once the run has heard of every quick call; failing that, a while after
      // they all ran (the run heard of some only with their batch's end).
      const quickRan = async (): Promise<boolean> => (await calls(log)).length === inputs.length
      const waitForQuick = async (): Promise<void> => {
        const until = Date.now() + 30_000
        while (!(await quickRan()) && Date.now() < until) {
          await new Promise((resolve) => setTimeout(resolve, 50))
        }
      }
      void waitForQuick().then(() => setTimeout(() => stop.abort(), 3000))
      await expect(stopped).rejects.toBeInstanceOf(CancelledError)
      await rm(log, { force: true })
      const [result] = await compute(flow(1), {
        executor: pool,
        cache: new TaskCache(directory, { store: 'all' }),
      })
      expect(result).toBe(inputs.reduce((sum, x) => sum + x * x, 0) + 99 * 99)
      // Only the call cancelled while it waited ran again.
      expect(await calls(log)).toEqual(['squareLater(99)'])
    } finally {
      await pool.close()
    }
  })
})
