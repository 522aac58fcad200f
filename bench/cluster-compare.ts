// The cluster part of `pnpm bench:compare`: taskgraph's cluster (two `taskgraph worker`
// processes, one thread each, on a redis-server of this machine) against Dask's
// distributed.LocalCluster (two worker processes, one thread each), measured alternately,
// each measurement in fresh processes (bench/measure-cluster.ts, bench/dask/cluster.py).
// The chain is measured on Node 24 too (npx node@24), driver and workers, beside this
// Node's. Only computes are timed, the workers being up, except `ready`: taskgraph's
// counts from starting the two worker processes (Node's start-up included) until both
// take jobs; Dask's from building the LocalCluster (Python and its imports already
// loaded) until client.wait_for_workers(2) returns.
import { fileURLToPath } from 'node:url'
import { node24Beside, THIS_NODE, type NodeRuntime } from './lib/node-runtimes.ts'
import { run } from './lib/processes.ts'
import { startRedisServer } from './lib/redis.ts'
import { calibratePi } from './workloads/pi.ts'
import { median, printTable } from './lib/stats.ts'

interface ClusterMeasurement {
  readonly workload: string
  readonly n: number
  readonly tasks?: number
  readonly computeMs?: number
  /** taskgraph: the median of three more computes on the same workers. */
  readonly warmMs?: number
  /** taskgraph's chain and BullMQ alone: three more, once 6,000 hops have run. */
  readonly steadyMs?: number
  readonly readyMs?: number
  readonly wallMs?: number
  readonly dataMiB?: number
  readonly driverPeakRssMiB?: number
}

const WORKLOADS = [
  { workload: 'fanout-sum', n: 10_000, label: '10,000-task fan-out + sum' },
  { workload: 'chain', n: 200, label: 'chain of 200, unfused' },
  { workload: 'pi', n: 8, label: 'pi 8 x 0.25 s' },
  { workload: 'ready', n: 2, label: '2 workers ready' },
] as const

/** Arrays of 512 KiB the data workload makes: 2 MiB and 200 MiB through the store. */
const DATA_SIZES = [4, 400] as const

const DASK = fileURLToPath(new URL('./dask/', import.meta.url))

/** One measurement of taskgraph's cluster, driver and workers on Node `on`. */
async function measureOurs(
  workload: string,
  n: number,
  on: NodeRuntime = THIS_NODE,
): Promise<ClusterMeasurement> {
  const out = await run(on.path, [...on.loaderArgs, 'measure-cluster.ts', workload, String(n)])
  return JSON.parse(out.trim().split('\n').at(-1)!) as ClusterMeasurement
}

async function measureDask(
  python: string,
  workload: string,
  n: number,
): Promise<ClusterMeasurement> {
  const out = await run(python, ['cluster.py', workload, String(n)], DASK)
  return JSON.parse(out.trim().split('\n').at(-1)!) as ClusterMeasurement
}

/** pi inline on each engine, for the cluster's speed-up: compute time of a fresh process. */
async function piInline(python: string | undefined): Promise<{ ours: number; theirs?: number }> {
  const ours = JSON.parse(
    (
      await run(process.execPath, [
        '--expose-gc',
        '--import',
        'tsx',
        'measure.ts',
        'pi',
        'inline',
        '8',
      ])
    )
      .trim()
      .split('\n')
      .at(-1)!,
  ) as ClusterMeasurement
  if (python === undefined) return { ours: ours.computeMs! }
  const out = await run(python, ['pi.py', 'inline', '8'], DASK)
  const theirs = JSON.parse(out.trim().split('\n').at(-1)!) as ClusterMeasurement
  // pi.py times the whole run; building eight tasks is nothing beside 2 s of them.
  return { ours: ours.computeMs!, theirs: theirs.computeMs ?? theirs.wallMs! }
}

/** Measures and prints the cluster comparison and its targets. */
export async function compareClusters(
  repetitions: number,
  python: string | undefined,
): Promise<void> {
  const redis = await startRedisServer()
  process.env.TASKGRAPH_BENCH_REDIS = redis.url
  // One amount of work for pi on the cluster and inline, for its speed-up.
  calibratePi()
  const ours = new Map<string, ClusterMeasurement[]>()
  const theirs = new Map<string, ClusterMeasurement[]>()
  // pi's speed-ups, one per repetition: each engine's cluster time against its inline time
  // measured right after it, so that the machine's speed, which drifts on a shared machine,
  // is the same on both sides of each ratio.
  const speedUps = { ours: [] as number[], warm: [] as number[], theirs: [] as number[] }
  const data = new Map<number, ClusterMeasurement[]>()
  // BullMQ alone, hop after hop, beside the chain in each repetition: the chain's floor.
  const hops: ClusterMeasurement[] = []
  // The chain again on Node 24 (npx node@24; left out when it cannot be had), whose V8
  // brings a hop's code up to speed sooner: most of a first compute's hop is code not
  // yet optimized, in three processes.
  const node24 = node24Beside()
  const chains24: ClusterMeasurement[] = []
  try {
    for (let r = 0; r < repetitions; r++) {
      for (const { workload, n } of WORKLOADS) {
        const our = await measureOurs(workload, n)
        ours.set(workload, [...(ours.get(workload) ?? []), our])
        const their = python === undefined ? undefined : await measureDask(python, workload, n)
        if (their !== undefined) theirs.set(workload, [...(theirs.get(workload) ?? []), their])
        if (workload !== 'pi') continue
        const inline = await piInline(python)
        speedUps.ours.push(inline.ours / our.computeMs!)
        speedUps.warm.push(inline.ours / our.warmMs!)
        if (their !== undefined && inline.theirs !== undefined) {
          speedUps.theirs.push(inline.theirs / their.computeMs!)
        }
      }
      hops.push(await measureOurs('queue', 200))
      if (node24 !== undefined) chains24.push(await measureOurs('chain', 200, node24))
      for (const n of DATA_SIZES) {
        data.set(n, [...(data.get(n) ?? []), await measureOurs('data', n)])
      }
    }
  } finally {
    delete process.env.TASKGRAPH_BENCH_REDIS
    await redis.stop()
  }
  const ms = (
    measured: ClusterMeasurement[] | undefined,
    field: 'computeMs' | 'warmMs' | 'steadyMs' | 'readyMs',
  ): number | undefined =>
    measured === undefined || measured.length === 0
      ? undefined
      : median(measured.map((m) => m[field]!))
  const fmt = (value: number | undefined): string =>
    value === undefined
      ? '—'
      : value >= 1000
        ? `${(value / 1000).toFixed(2)} s`
        : `${value.toFixed(1)} ms`
  const rows = WORKLOADS.map(({ workload, label }) => {
    const field = workload === 'ready' ? 'readyMs' : 'computeMs'
    const a = ms(ours.get(workload), field)!
    const warm = workload === 'ready' ? undefined : ms(ours.get(workload), 'warmMs')
    const b = ms(theirs.get(workload), field)
    const tasks = ours.get(workload)![0]!.tasks
    const per = (value: number | undefined): string =>
      value === undefined || tasks === undefined || workload === 'pi'
        ? ''
        : `${((value * 1000) / tasks).toFixed(0)} µs`
    const ratio = (value: number | undefined): string =>
      value === undefined || b === undefined ? '—' : (value / b).toFixed(3)
    return [label, fmt(a), per(a), fmt(warm), per(warm), fmt(b), per(b), ratio(a), ratio(warm)]
  })
  console.log(
    `\ncluster: taskgraph (2 × taskgraph worker --threads 1, Redis) vs Dask distributed.LocalCluster (2 workers × 1 thread); median of ${repetitions}`,
  )
  printTable(
    [
      'workload',
      'taskgraph',
      'per task',
      'warm',
      'per task',
      'Dask',
      'per task',
      'ratio',
      'ratio warm',
    ],
    rows,
  )
  console.log(`
taskgraph: the first compute on two workers just started (they import the workload's
modules then); warm: the median of three more on the same workers, as a long-lived
cluster runs; steady (the chain, and BullMQ alone): three more once 6,000 hops have run,
as a long-lived driver runs, V8 having optimized the code of every hop. Dask: one
compute on a LocalCluster just started. ready: taskgraph's from starting the two worker
processes until both take jobs; Dask's from building the LocalCluster, Python and its
imports already loaded, until both workers are connected.`)

  const fanoutWarm = ms(ours.get('fanout-sum'), 'warmMs')!
  console.log(
    `\none driver and one Redis (warm fan-out): ${Math.round((10_001 / fanoutWarm) * 1000).toLocaleString('en')} tasks/s`,
  )
  console.log("the driver's peak RSS against the data that went through the store (taskgraph only)")
  printTable(
    ['data through the store', 'driver peak RSS', 'compute (warm)', 'throughput'],
    DATA_SIZES.map((n) => {
      const measured = data.get(n)!
      const mib = measured[0]!.dataMiB!
      const warm = median(measured.map((m) => m.warmMs!))
      return [
        `${mib} MiB`,
        `${median(measured.map((m) => m.driverPeakRssMiB!)).toFixed(0)} MiB`,
        fmt(warm),
        `${((mib / warm) * 1000).toFixed(0)} MiB/s`,
      ]
    }),
  )

  /** A chain of 200 hops' first, warm and steady times, per hop. */
  const perHop = (measured: ClusterMeasurement[]): string =>
    `${(ms(measured, 'computeMs')! / 200).toFixed(2)} ms, warm ${(ms(measured, 'warmMs')! / 200).toFixed(2)} ms, steady ${(ms(measured, 'steadyMs')! / 200).toFixed(2)} ms`
  const fanout = ms(ours.get('fanout-sum'), 'computeMs')! / 10_001
  const daskFanout = ms(theirs.get('fanout-sum'), 'computeMs')
  const chain = ms(ours.get('chain'), 'computeMs')! / 200
  const chainWarm = ms(ours.get('chain'), 'warmMs')! / 200
  const chainSteady = ms(ours.get('chain'), 'steadyMs')! / 200
  const piSpeedUp = median(speedUps.ours)
  const piWarm = median(speedUps.warm)
  const daskPiSpeedUp = speedUps.theirs.length > 0 ? median(speedUps.theirs) : undefined
  const ready = ms(ours.get('ready'), 'readyMs')!
  const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met')
  const targets = [
    [
      'cluster fan-out, per task',
      '≤ 150 µs',
      `${(fanout * 1000).toFixed(0)} µs`,
      verdict(fanout <= 0.15),
    ],
    ...(daskFanout === undefined
      ? []
      : [
          [
            '… against Dask LocalCluster',
            '≥ 10x faster',
            `${(daskFanout / 10_001 / fanout).toFixed(1)}x`,
            verdict(daskFanout / 10_001 / fanout >= 10),
          ],
        ]),
    [
      `cluster chain, unfused, per task (${THIS_NODE.label})`,
      '≤ 1 ms',
      `${chain.toFixed(2)} ms`,
      verdict(chain <= 1),
    ],
    ['… warm', '≤ 1 ms', `${chainWarm.toFixed(2)} ms`, verdict(chainWarm <= 1)],
    [
      '… steady, 6,000 hops in',
      '≤ 1 ms',
      `${chainSteady.toFixed(2)} ms`,
      verdict(chainSteady <= 1),
    ],
    ...(node24 === undefined ? [] : [[`… on ${node24.label}`, '', perHop(chains24), '']]),
    ['… BullMQ alone, per hop (its floor)', '', perHop(hops), ''],
    [
      'cluster pi 8 x 0.25 s, over inline',
      '≥ 1.8x',
      `${piSpeedUp.toFixed(2)}x${daskPiSpeedUp === undefined ? '' : ` (Dask ${daskPiSpeedUp.toFixed(2)}x)`}`,
      verdict(piSpeedUp >= 1.8),
    ],
    ['… warm', '≥ 1.8x', `${piWarm.toFixed(2)}x`, verdict(piWarm >= 1.8)],
    ['2 cluster workers ready', '≤ 1 s', fmt(ready), verdict(ready <= 1000)],
  ]
  console.log('\ncluster targets')
  printTable(['what', 'target', 'this run', ''], targets)
}
