// `pnpm bench`: the benchmark suite. Every measurement runs in a fresh process (see
// measure.ts); each configuration is measured several times and its median reported.
//
//   pnpm bench                         # from the repository root (builds first)
//   node --import tsx run.ts 5         # repetitions
//
// Tables: workload, executor, N, wall time, per-task µs, memory (peak heap growth of
// in-process runs; peak RSS of the main process for pools), speed-up over inline.
// cold: one run in a new process, pool start-up included; warm: a pool already running;
// ten: ten runs in one process, each naming its executor (the default pools).
import { cpus } from 'node:os'
import { daskVersion, PYTHON } from './lib/dask.ts'
import { node24Beside, THIS_NODE } from './lib/node-runtimes.ts'
import { coldStart, measureTaskgraph, timeProcess, type Measurement } from './lib/processes.ts'
import { median, printTable } from './lib/stats.ts'
import { calibratePi } from './workloads/pi.ts'

// One amount of work for every process's pi, so that speed-ups compare equal work.
calibratePi()

const repetitions = Number(process.argv[2] ?? 3)
const IN_PROCESS = ['inline', 'async'] as const
const POOLS = ['threads', 'processes'] as const

type Variant = 'cold' | 'warm' | 'recorded' | 'ten' | 'submit'

interface Row {
  readonly executor: string
  readonly variant: string
  readonly n: number
  readonly measured: Measurement[]
}

/** Medians of one configuration's measurements, as one measurement. */
function middle(measured: Measurement[]): Measurement {
  const pick = (field: 'wallMs' | 'buildMs' | 'computeMs' | 'peakHeapBytes' | 'peakRssBytes') =>
    median(measured.map((m) => m[field] ?? 0))
  return {
    ...measured[0]!,
    wallMs: pick('wallMs'),
    buildMs: pick('buildMs'),
    computeMs: pick('computeMs'),
    peakHeapBytes: pick('peakHeapBytes'),
    peakRssBytes: pick('peakRssBytes'),
  }
}

async function measureRows(
  workload: string,
  configs: { executor: string; variant: Variant; n: number }[],
): Promise<Row[]> {
  const rows: Row[] = configs.map((config) => ({ ...config, measured: [] }))
  // Repetitions go round the configurations, so each gets the same share of noise.
  for (let r = 0; r < repetitions; r++) {
    for (const row of rows) {
      row.measured.push(
        await measureTaskgraph(workload, row.executor, row.n, row.variant as Variant),
      )
    }
  }
  return rows
}

const micro = (ms: number, tasks: number): string => `${((ms * 1000) / tasks).toFixed(2)} µs`
const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`
const perTaskBytes = (bytes: number, tasks: number): string => `${Math.round(bytes / tasks)} B`

function table(title: string, rows: Row[], { perTask = true, speedUp = true } = {}): void {
  console.log(`\n${title}`)
  const medians = rows.map((row) => ({ row, m: middle(row.measured) }))
  const inline = new Map(
    medians
      .filter(({ row }) => row.executor === 'inline')
      .map(({ row, m }) => [row.n, m.computeMs!]),
  )
  printTable(
    [
      'executor',
      'variant',
      'N',
      'build',
      'compute',
      ...(perTask ? ['per task'] : []),
      'memory',
      ...(speedUp ? ['vs inline'] : []),
    ],
    medians.map(({ row, m }) => {
      const tasks = m.tasks ?? 1
      const inProcess = (IN_PROCESS as readonly string[]).includes(row.executor)
      const heap = `heap +${mb(m.peakHeapBytes!)}`
      const memory = !inProcess
        ? `RSS ${mb(m.peakRssBytes)}`
        : perTask
          ? `${heap} (${perTaskBytes(m.peakHeapBytes!, tasks)}/task)`
          : heap
      const base = inline.get(row.n)
      return [
        row.executor,
        row.variant,
        row.n.toLocaleString('en'),
        `${m.buildMs!.toFixed(1)} ms`,
        `${m.computeMs!.toFixed(1)} ms`,
        ...(perTask ? [micro(m.buildMs! + m.computeMs!, tasks)] : []),
        memory,
        ...(speedUp ? [base === undefined ? '' : `${(base / m.computeMs!).toFixed(2)}x`] : []),
      ]
    }),
  )
}

const every = (n: number, warm = true) => [
  ...IN_PROCESS.map((executor) => ({ executor, variant: 'cold' as const, n })),
  ...POOLS.flatMap((executor) => [
    { executor, variant: 'cold' as const, n },
    ...(warm ? [{ executor, variant: 'warm' as const, n }] : []),
  ]),
]

console.log(
  `taskgraph benchmarks: node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`,
)
console.log(
  `median of ${repetitions} run${repetitions === 1 ? '' : 's'}, each in a fresh process; pools have 2 workers`,
)

// 1. Scheduler overhead: fan-out + sum. A pool's 1,000,000 run is skipped when its
// 100,000 run suggests it would take over a minute.
const fanout = await measureRows('fanout-sum', [
  ...every(10_000),
  ...every(100_000),
  ...every(1_000_000, false).filter((c) => c.executor === 'inline' || c.executor === 'async'),
])
const slowPools = POOLS.filter((executor) => {
  const row = fanout.find(
    (r) => r.executor === executor && r.n === 100_000 && r.variant === 'cold',
  )!
  return middle(row.measured).wallMs * 10 > 60_000
})
const bigPools = POOLS.filter((executor) => !slowPools.includes(executor))
fanout.push(
  ...(await measureRows(
    'fanout-sum',
    bigPools.map((executor) => ({ executor, variant: 'cold' as const, n: 1_000_000 })),
  )),
)
table('1. fan-out + sum (N inc tasks and one sum): scheduler overhead', fanout)
for (const executor of slowPools)
  console.log(`   ${executor} at N = 1,000,000 skipped: over a minute`)

// 2. Chains: where fusion and ordering matter.
table(
  '2. 10,000 independent chains of 10 trivial tasks',
  await measureRows('chains', every(10_000)),
)

// 3. CPU-bound: pi, 8 tasks of about 0.25 s.
table('3. Monte Carlo pi, 8 tasks of ~0.25 s', await measureRows('pi', every(8)), {
  perTask: false,
})

// 4. The examples' Mandelbrot tiles and word-count bag.
table('4a. Mandelbrot 1024 x 1024, 4 x 4 tiles', await measureRows('mandelbrot', every(4)), {
  perTask: false,
})
table(
  '4b. word count (bag) over examples/data, 8 partitions',
  await measureRows('wordcount', every(8)),
  { perTask: false },
)

// 5. Task records: what keeping every task's record costs (a Profiler, as `--trace`),
// against the same cold run without: side by side, in one run of the suite.
const recordConfigs = ['inline', 'async', 'threads'].flatMap((executor) =>
  (['cold', 'recorded'] as const).map((variant) => ({ executor, variant, n: 100_000 })),
)
const recorded = await measureRows('fanout-sum', recordConfigs)
table('5. fan-out + sum of 100,000, without and with task records (recorded)', recorded, {
  speedUp: false,
})
for (const executor of ['inline', 'async', 'threads']) {
  const rows = (['cold', 'recorded'] as const).map((variant) =>
    recorded.find((row) => row.executor === executor && row.variant === variant)!,
  )
  const cost = (field: 'computeMs' | 'computeThreadCpuMs'): string | undefined => {
    const [off, on] = rows.map((row) => median(row.measured.map((m) => m[field] ?? NaN)))
    return Number.isNaN(off! + on!) ? undefined : `${(((on! - off!) / off!) * 100).toFixed(1)}%`
  }
  // The main thread's CPU time is the steadier figure where other work shares the cores.
  const cpu = cost('computeThreadCpuMs')
  console.log(
    `   ${executor}: records cost ${cost('computeMs')} of compute` +
      (cpu === undefined ? '' : ` (${cpu} of the main thread's CPU time)`),
  )
}

// 6. One-off computes: ten runs of a small graph in one program, each naming its
// executor, against one such run in a fresh process (cold).
table(
  '6. ten one-off computes of a 101-task fan-out in one program (ten), against one (cold)',
  await measureRows(
    'fanout-sum',
    POOLS.flatMap((executor) =>
      (['cold', 'ten'] as const).map((variant) => ({ executor, variant, n: 100 })),
    ),
  ),
  { speedUp: false },
)

// 7. Futures: a fan-out of 1,000 tasks submitted one by one (each a run of its own), against
// one compute of the same graph on a warm executor. Dask's client.map on a LocalCluster of
// two workers: 1.7 ms per task on this machine.
table(
  '7. futures: 1,000 submits and one for their sum (submit), against one compute of them (warm)',
  await measureRows(
    'fanout-sum',
    (['async', 'threads'] as const).flatMap((executor) =>
      (['warm', 'submit'] as const).map((variant) => ({ executor, variant, n: 1000 })),
    ),
  ),
  { speedUp: false },
)

// 8. Cold start: the whole `taskgraph run` process for a one-task TypeScript workflow, on
// this machine's Node and on Node 24 (npx node@24; left out when it cannot be had), which
// loads TypeScript with its own type stripping instead of tsx; the configurations take
// turns, a fresh process each. Python importing Dask and computing one task, where Dask
// is installed (bench/dask/cold.py), for scale.
const node24 = node24Beside()
const nodes = node24 === undefined ? [THIS_NODE] : [THIS_NODE, node24]
const dask = daskVersion()
const starts = [
  ...nodes.flatMap((on) =>
    ['async', 'threads'].map((executor) => ({
      what: `${on.label}, taskgraph run -e ${executor}`,
      time: () => coldStart(on, executor),
      ms: [] as number[],
    })),
  ),
  ...(dask === undefined
    ? []
    : [
        {
          what: `Python + Dask ${dask}, one task`,
          time: () => timeProcess(PYTHON, ['dask/cold.py']),
          ms: [] as number[],
        },
      ]),
]
for (let r = 0; r < Math.max(repetitions, 5); r++) {
  for (const start of starts) start.ms.push(await start.time())
}
console.log(`\n8. cold start: taskgraph run of a one-task TypeScript workflow, whole process`)
const first = median(starts[0]!.ms)
printTable(
  ['', 'runs', 'median wall', 'fastest', `vs ${starts[0]!.what}`],
  starts.map((start) => [
    start.what,
    String(start.ms.length),
    `${median(start.ms).toFixed(0)} ms`,
    `${Math.min(...start.ms).toFixed(0)} ms`,
    `${(median(start.ms) / first).toFixed(2)}x`,
  ]),
)

// 8b. A cold thread pool on each Node: fan-out + sum of 10,000 with the pool started inside
// the measurement, and pi's 8 tasks of 0.25 s cold against inline.
const coldPools = nodes.flatMap((on) => [
  { on, workload: 'fanout-sum', executor: 'threads', n: 10_000, measured: [] as Measurement[] },
  { on, workload: 'pi', executor: 'inline', n: 8, measured: [] as Measurement[] },
  { on, workload: 'pi', executor: 'threads', n: 8, measured: [] as Measurement[] },
])
for (let r = 0; r < repetitions; r++) {
  for (const row of coldPools) {
    row.measured.push(await measureTaskgraph(row.workload, row.executor, row.n, 'cold', row.on))
  }
}
console.log(`\n8b. cold thread pools: fan-out + sum of 10,000, and pi 8 x 0.25 s, on each Node`)
printTable(
  ['node', 'workload', 'executor', 'median wall', 'per task', 'speed-up over inline'],
  coldPools.map((row) => {
    const wall = median(row.measured.map((m) => m.wallMs))
    const inline = coldPools.find(
      (other) =>
        other.on === row.on && other.workload === row.workload && other.executor === 'inline',
    )
    return [
      row.on.label,
      `${row.workload} ${row.n}`,
      row.executor,
      `${wall.toFixed(0)} ms`,
      row.workload === 'fanout-sum' ? micro(wall, row.measured[0]!.tasks ?? row.n) : '',
      inline === undefined || inline === row
        ? ''
        : `${(median(inline.measured.map((m) => m.wallMs)) / wall).toFixed(2)}x`,
    ]
  }),
)
