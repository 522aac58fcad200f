// One measurement of taskgraph's cluster in a fresh process, printed as one JSON line, as
// bench/dask/cluster.py prints Dask's distributed.LocalCluster: two `taskgraph worker`
// processes with one thread each, on a redis-server of this machine.
//
//   node --import tsx measure-cluster.ts WORKLOAD N      (TASKGRAPH_BENCH_REDIS=redis://…)
//
// WORKLOAD: fanout-sum (N inc tasks and their sum), chain (N inc tasks in a line, sent one
// job each: no fusion; also steadyMs, once 6,000 hops have run), pi (N tasks of ~0.25 s
// and their mean), ready (from starting the two worker processes until both take jobs),
// data (N producers of 512 KiB arrays, each read by a consumer on the cluster: the
// driver's peak RSS, against the data that went through the store), queue (BullMQ alone,
// without taskgraph: N jobs one after another, each added once the previous one's answer
// is read, taken by two bare BullMQ worker processes: the floor under an unfused chain's
// hop), computes (N computes of two tasks in a line, one after another: what a run costs
// beyond its tasks, from its start until its jobs are gone from Redis; the median). Only
// the compute is timed: the workers are up before it starts, as Dask's are. They serve
// the workload's module, as docs/cluster.md has production workers started (their
// threads import it as they start); with TASKGRAPH_BENCH_ANY_MODULE=1, no module list:
// any module of the repository, each thread importing a task's module when its first job
// names it. `ready` starts workers without a module list. Without TASKGRAPH_BENCH_REDIS
// a redis-server is started for the measurement.
import { fileURLToPath } from 'node:url'
import { ClusterExecutor } from '@taskgraph/cluster'
import { compute } from 'taskgraph'
import { startWorkers, stopWorkers } from './lib/cluster-workers.ts'
import { measureQueueHops, STEADY_AFTER_HOPS } from './lib/queue-hops.ts'
import { startRedisServer } from './lib/redis.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const WORKERS = 2

const [workload = 'fanout-sum', n = 10_000] = [process.argv[2], Number(process.argv[3] ?? 10_000)]

async function main(): Promise<void> {
  const own = process.env.TASKGRAPH_BENCH_REDIS === undefined ? await startRedisServer() : undefined
  const url = process.env.TASKGRAPH_BENCH_REDIS ?? own!.url
  if (workload === 'queue') {
    try {
      const fields = await measureQueueHops(url, n)
      console.log(JSON.stringify({ engine: 'bullmq', workload, executor: 'cluster', n, ...fields }))
    } finally {
      await own?.stop()
    }
    return
  }
  const modules = process.env.TASKGRAPH_BENCH_ANY_MODULE === '1' ? [] : modulesOf(workload)
  const started = performance.now()
  const workers = await startWorkers(url, ROOT, WORKERS, 'bench', modules)
  const readyMs = performance.now() - started
  const cluster = new ClusterExecutor(url, { root: ROOT, fuse: workload !== 'chain' })
  try {
    await cluster.start()
    let fields: Record<string, number> = { readyMs }
    if (workload === 'computes') fields = await measureComputes(cluster)
    else if (workload !== 'ready') fields = await measure(cluster)
    console.log(
      JSON.stringify({ engine: 'taskgraph', workload, executor: 'cluster', n, ...fields }),
    )
  } finally {
    await cluster.close()
    await stopWorkers(workers)
    await own?.stop()
  }
}

/** The modules (paths from the repository's root) whose tasks `workload` runs. */
function modulesOf(name: string): string[] {
  if (name === 'pi') return ['bench/workloads/pi.ts']
  if (name === 'data') return ['bench/workloads/memory.ts']
  if (name === 'ready') return []
  return ['bench/workloads/trivial.ts']
}

interface Workload {
  /** A new graph of the workload (tasks are not shared between runs). */
  readonly make: () => unknown
  readonly tasks: number
  readonly check: (result: unknown) => boolean
}

async function workloadOf(name: string): Promise<Workload> {
  switch (name) {
    case 'fanout-sum': {
      const { inc, sum } = await import('./workloads/trivial.ts')
      return {
        make: () => sum(Array.from({ length: n }, (_, i) => inc(i))),
        tasks: n + 1,
        check: (result) => result === (n * (n + 1)) / 2,
      }
    }
    case 'chain': {
      const { inc } = await import('./workloads/trivial.ts')
      return {
        make: () => {
          let value = inc(0)
          for (let i = 1; i < n; i++) value = inc(value)
          return value
        },
        tasks: n,
        check: (result) => result === n,
      }
    }
    case 'pi': {
      const { estimatePi, mean, samplesFor } = await import('./workloads/pi.ts')
      const samples = samplesFor(250)
      return {
        make: () => mean(Array.from({ length: n }, (_, i) => estimatePi(samples, i + 1))),
        tasks: n + 1,
        check: (result) => Math.abs((result as number) - Math.PI) < 0.01,
      }
    }
    case 'data': {
      const { consume, produce, sum, tag } = await import('./workloads/memory.ts')
      // consume reads every 1024th of an array's 65,536 elements: 64 per array.
      const expected = Array.from({ length: n }, (_, i) => 64 * i).reduce((a, b) => a + b, 0)
      return {
        make: () =>
          sum(Array.from({ length: n }, (_, i) => consume(produce(i, DATA_BYTES), tag(i)))),
        tasks: 3 * n + 1,
        check: (result) => result === expected,
      }
    }
    default:
      throw new Error(
        `unknown workload ${name}: use fanout-sum, chain, pi, data, queue, computes or ready`,
      )
  }
}

/** Bytes of each array the data workload makes: under Redis's 1 MiB limit. */
const DATA_BYTES = 512 * 1024

/**
 * Times the workload's first compute on the cluster (cold: its workers import its
 * modules then) and the median of three more (warm: as a long-lived cluster runs them).
 */
async function measure(cluster: ClusterExecutor): Promise<Record<string, number>> {
  const { make, tasks, check } = await workloadOf(workload)
  const once = async (): Promise<number> => {
    const target = make()
    const start = performance.now()
    const [result] = await compute(target, { executor: cluster })
    const ms = performance.now() - start
    if (!check(result)) throw new Error(`${workload} computed ${String(result)}`)
    return ms
  }
  const computeMs = await once()
  const warm = [await once(), await once(), await once()].sort((a, b) => a - b)[1]!
  const fields: Record<string, number> = {
    tasks,
    computeMs,
    warmMs: warm,
    msPerTask: computeMs / tasks,
  }
  if (workload === 'chain') {
    // As a long-lived driver runs: see STEADY_AFTER_HOPS.
    for (let hops = 4 * tasks; hops < STEADY_AFTER_HOPS; hops += tasks) await once()
    fields.steadyMs = [await once(), await once(), await once()].sort((a, b) => a - b)[1]!
  }
  if (workload === 'data') {
    fields.dataMiB = (n * DATA_BYTES) / 2 ** 20
    fields.driverPeakRssMiB = process.resourceUsage().maxRSS / 1024
  }
  return fields
}

/** The median of `n` computes of two tasks in a line, after 10 not counted. */
async function measureComputes(cluster: ClusterExecutor): Promise<Record<string, number>> {
  const { inc } = await import('./workloads/trivial.ts')
  const times: number[] = []
  for (let i = 0; i < n + 10; i++) {
    const start = performance.now()
    const [result] = await compute(inc(inc(i)), { executor: cluster })
    if (result !== i + 2) throw new Error(`computes computed ${String(result)}`)
    if (i >= 10) times.push(performance.now() - start)
  }
  times.sort((a, b) => a - b)
  return { tasks: 2, computeMs: times[Math.floor(times.length / 2)]! }
}

await main()
