import { spawn, type ChildProcess } from 'node:child_process'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { endsWithThisProcess } from './child-processes.ts'
import { BENCH } from './processes.ts'
import { stopWorkers } from './cluster-workers.ts'
import { HOP_PREFIX, HOP_QUEUE, HOP_REPLIES } from '../workloads/queue-hop-worker.ts'

// BullMQ alone, as an unfused chain uses it: one job added, taken by one of two worker
// processes, answered on a list, and only then the next. What is left of a chain's hop
// once taskgraph's own work is taken out of it.

/**
 * Hops (tasks of an unfused chain, or BullMQ jobs) run before a steady figure is taken.
 * A hop runs code in the driver, a worker's main thread and its thread once each, and the
 * time per hop falls for some 5,000 of them as V8 optimizes it all, compiling on the same
 * cores meanwhile: 2-3 ms per hop at first, under 1 ms after, on a 2-core machine.
 */
export const STEADY_AFTER_HOPS = 6000

/**
 * Times `n` hops (after a warm-up of 20), three times more (warm), then three more once
 * `STEADY_AFTER_HOPS` have run (steady); the same fields as a compute's measurement.
 */
export async function measureQueueHops(
  url: string,
  n: number,
): Promise<{
  tasks: number
  computeMs: number
  warmMs: number
  steadyMs: number
  msPerTask: number
}> {
  const workers = await Promise.all([startHopWorker(url), startHopWorker(url)])
  const connection = new Redis(url, { maxRetriesPerRequest: null })
  const reader = new Redis(url)
  const queue = new Queue(HOP_QUEUE, { connection, prefix: HOP_PREFIX })
  const hops = async (count: number): Promise<number> => {
    const start = performance.now()
    for (let i = 0; i < count; i++) {
      await queue.add('hop', { i }, { removeOnComplete: true, removeOnFail: true })
      await reader.blpop(HOP_REPLIES, 5)
    }
    return performance.now() - start
  }
  try {
    await hops(20)
    const computeMs = await hops(n)
    const warmMs = [await hops(n), await hops(n), await hops(n)].sort((a, b) => a - b)[1]!
    await hops(Math.max(0, STEADY_AFTER_HOPS - 20 - 4 * n))
    const steadyMs = [await hops(n), await hops(n), await hops(n)].sort((a, b) => a - b)[1]!
    return { tasks: n, computeMs, warmMs, steadyMs, msPerTask: computeMs / n }
  } finally {
    await stopWorkers(workers)
    await queue.obliterate({ force: true }).catch(() => {})
    await queue.close()
    connection.disconnect()
    reader.disconnect()
  }
}

function startHopWorker(url: string): Promise<ChildProcess> {
  const child = endsWithThisProcess(
    spawn(process.execPath, ['--import', 'tsx', 'workloads/queue-hop-worker.ts', url], {
      cwd: BENCH,
      stdio: ['ignore', 'ignore', 'pipe'],
    }),
  )
  return new Promise((resolve, reject) => {
    let text = ''
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk
      if (text.includes('ready')) resolve(child)
    })
    child.once('exit', (code) => reject(new Error(`queue worker exited (${code}):\n${text}`)))
  })
}
