// One measurement of the result cache on a cluster, in a fresh process, printed as one
// JSON line: two `taskgraph worker` processes with one thread each, on a redis-server of
// this machine (started for the measurement), as measure-cluster.ts runs them.
//
//   node --import tsx measure-cluster-cache.ts VARIANT DIR [N]
//
// The workload: a fan-out of N (default 2,000) cached trivial tasks and their cached sum.
// VARIANT: none (no cache), cold (an empty cache in DIR: every result is read from the
// cluster's store by the driver and stored), warm (DIR filled by an earlier run: the sum
// is read, nothing runs), changed (one leaf's input changed: that leaf and the sum run,
// and the other leaves' results go from the cache to the cluster's store for the sum).
// Only the compute is timed: the workers are up before it starts. `openMs` is the part of
// it the cache took to key the graph and look its results up (`TaskCache#open`).
import { fileURLToPath } from 'node:url'
import { ClusterExecutor } from '@taskgraph/cluster'
import type { TaskGraph } from '@taskgraph/core/internal'
import { compute, TaskCache, type CacheSession, type RunSummary } from 'taskgraph'
import { startWorkers, stopWorkers } from './lib/cluster-workers.ts'
import { startRedisServer } from './lib/redis.ts'
import { inc, sum } from './workloads/cached.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const [variant = 'none', directory = '', n = 2000] = [
  process.argv[2],
  process.argv[3],
  Number(process.argv[4] ?? 2000),
]

/** A TaskCache that says how long opening its session took. */
class TimedCache extends TaskCache {
  openMs = 0
  override async open(graph: TaskGraph): Promise<CacheSession> {
    const start = performance.now()
    try {
      return await super.open(graph)
    } finally {
      this.openMs = performance.now() - start
    }
  }
}

const redis = await startRedisServer()
const workers = await startWorkers(redis.url, ROOT, 2, 'c')
const cluster = new ClusterExecutor(redis.url, { root: ROOT })
try {
  await cluster.start()
  // The changed leaf's input is one no earlier run had.
  const input = (i: number): number => (variant === 'changed' && i === 0 ? n + 7 : i)
  const target = sum(Array.from({ length: n }, (_, i) => inc(input(i))))
  let summary: RunSummary | undefined
  const cache = variant === 'none' ? undefined : new TimedCache(directory)
  const start = performance.now()
  const [result] = await compute(target, {
    executor: cluster,
    ...(cache === undefined ? {} : { cache }),
    hooks: { onFinish: (finished) => (summary = finished) },
  })
  const computeMs = performance.now() - start
  const expected = (n * (n + 1)) / 2 + (variant === 'changed' ? n + 7 : 0)
  if (result !== expected) throw new Error(`computed ${String(result)}, not ${expected}`)
  console.log(
    JSON.stringify({
      workload: 'cluster-fanout',
      variant,
      n,
      computeMs,
      openMs: cache?.openMs ?? 0,
      ran: summary!.done,
      cached: summary!.cached,
      driverPeakRssMiB: process.resourceUsage().maxRSS / 1024,
    }),
  )
} finally {
  await cluster.close()
  await stopWorkers(workers)
  await redis.stop()
}
