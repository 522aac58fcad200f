// `pnpm bench:compare`: taskgraph and Dask 2022.12 on the same workloads, on this machine,
// in one go. Measurements alternate between the two engines, each in a fresh process,
// several times; the table gives medians and the ratio taskgraph / Dask (below 1: taskgraph
// is faster). The targets the project holds itself to are checked underneath.
//
//   pnpm bench:compare                  # from the repository root (builds first)
//   node --import tsx compare.ts 5      # repetitions
//
// Dask comes from Debian's python3-dask and python3-distributed, for /usr/bin/python3
// (DASK_PYTHON overrides it). Missing, they are installed with apt-get when this runs as
// root; if they cannot be had, the Dask side is skipped and says so.
import { cpus, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'
import { compareClusters } from './cluster-compare.ts'
import { PYTHON, ensureDask } from './lib/dask.ts'
import { coldStart, measureTaskgraph, run, timeProcess, type Measurement } from './lib/processes.ts'
import { median, printTable } from './lib/stats.ts'
import { calibratePi } from './workloads/pi.ts'

// One amount of work for every process's pi, so that speed-ups compare equal work.
calibratePi()

const repetitions = Number(process.argv[2] ?? 3)
const TEXT = fileURLToPath(new URL('../examples/data/kjv-genesis-exodus.txt', import.meta.url))

interface Pair {
  readonly workload: string
  readonly executor: 'inline' | 'threads' | 'processes'
  readonly n: number
  /** Arguments of the Dask script after the executor. */
  readonly dask: readonly string[]
  readonly script: string
}

const EXECUTORS = ['inline', 'threads', 'processes'] as const
const OTHERS = [
  { workload: 'chains', n: 10_000, script: 'chains.py', dask: ['10000', '10'] },
  { workload: 'pi', n: 8, script: 'pi.py', dask: ['8'] },
  { workload: 'mandelbrot', n: 4, script: 'mandelbrot.py', dask: ['4'] },
  { workload: 'wordcount', n: 8, script: 'wordcount.py', dask: ['8', TEXT] },
]
// Listed workload by workload, as the table prints them; the million-task graph only
// in-process (Dask's takes a minute and more).
const PAIRS: Pair[] = [
  ...EXECUTORS.flatMap((executor) =>
    (executor === 'inline' ? [10_000, 100_000, 1_000_000] : [10_000, 100_000]).map((n) => ({
      workload: 'fanout-sum',
      executor,
      n,
      script: 'fanout_sum.py',
      dask: [String(n)],
    })),
  ),
  ...OTHERS.flatMap((other) => EXECUTORS.map((executor) => ({ ...other, executor }))),
]

async function measureDask(pair: Pair): Promise<Measurement> {
  const out = await run(
    PYTHON,
    [pair.script, pair.executor, ...pair.dask],
    fileURLToPath(new URL('./dask/', import.meta.url)),
  )
  return JSON.parse(out.trim().split('\n').at(-1)!) as Measurement
}

const version = ensureDask()
console.log(
  `taskgraph vs Dask ${version ?? '(not available)'} on node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB`,
)
if (version === undefined) {
  console.log(`Dask could not be had (${PYTHON} cannot import dask): its side is skipped.`)
}
console.log(
  `median of ${repetitions} run${repetitions === 1 ? '' : 's'} per engine, alternating, each in a fresh process; pools have 2 workers\n`,
)

const results = PAIRS.map((pair) => ({
  pair,
  ours: [] as Measurement[],
  theirs: [] as Measurement[],
  /** taskgraph after two runs in the same process (its pool running): median of five more. */
  warm: undefined as Measurement | undefined,
}))
const starts = { ours: [] as number[], theirs: [] as number[] }
for (let r = 0; r < repetitions; r++) {
  for (const result of results) {
    const { pair } = result
    // Dask's million-task graph takes a minute or more: once is enough.
    const once = pair.n === 1_000_000 && r > 0
    result.ours.push(await measureTaskgraph(pair.workload, pair.executor, pair.n))
    if (version !== undefined && !once) result.theirs.push(await measureDask(pair))
  }
  starts.ours.push(await coldStart())
  if (version !== undefined) starts.theirs.push(await timeProcess(PYTHON, ['dask/cold.py']))
}
for (const result of results) {
  const { workload, executor, n } = result.pair
  result.warm = await measureTaskgraph(workload, executor, n, 'warm')
}

const wall = (measured: Measurement[]): number => median(measured.map((m) => m.wallMs))
const fmt = (ms: number): string =>
  ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`
const perTask = (ms: number, tasks: number): string =>
  tasks > 1_000 ? `${((ms * 1000) / tasks).toFixed(2)} µs` : ''
const rows = results.map(({ pair, ours, theirs, warm }) => {
  const a = wall(ours)
  const b = theirs.length > 0 ? wall(theirs) : undefined
  const tasks = ours[0]!.tasks ?? 0
  return [
    pair.workload,
    pair.executor === 'inline' ? 'inline / sync' : pair.executor,
    pair.n.toLocaleString('en'),
    fmt(a),
    perTask(a, tasks),
    warm === undefined ? '' : fmt(warm.wallMs),
    warm === undefined ? '' : perTask(warm.wallMs, tasks),
    b === undefined ? '—' : fmt(b),
    b === undefined ? '' : perTask(b, tasks),
    b === undefined ? '—' : `${(a / b).toFixed(3)}`,
    b === undefined || warm === undefined ? '' : `${(warm.wallMs / b).toFixed(3)}`,
  ]
})
rows.push([
  'cold start (one task)',
  'whole process',
  '1',
  fmt(median(starts.ours)),
  '',
  '',
  '',
  starts.theirs.length > 0 ? fmt(median(starts.theirs)) : '—',
  '',
  starts.theirs.length > 0 ? (median(starts.ours) / median(starts.theirs)).toFixed(3) : '—',
  '',
])
printTable(
  [
    'workload',
    'executor',
    'N',
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
taskgraph, Dask: wall time of building and computing the graph in a new process, pools
started inside it (Dask starts its own; its thread pool starts in a moment, Node's
workers do not). warm: taskgraph's third and later runs in one process, its pool
already running, as in a long-lived program or after executor.start().
ratio: taskgraph / Dask, below 1 when taskgraph is faster.
cold start: the whole process of \`taskgraph run\` on a one-task TypeScript workflow,
and of python3 importing dask and computing one task.`)

const find = (workload: string, executor: string, n: number) =>
  results.find(
    ({ pair }) => pair.workload === workload && pair.executor === executor && pair.n === n,
  )!

// Each engine's pools against its own inline / sync run: how well each uses the cores.
// (pi is sized to ~0.25 s per task on each side, so its raw ratio says little.)
const speedUps = (['pi', 'mandelbrot', 'wordcount'] as const).flatMap((workload) => {
  const n = PAIRS.find((pair) => pair.workload === workload)!.n
  const inline = find(workload, 'inline', n)
  return (['threads', 'processes'] as const).map((executor) => {
    const pool = find(workload, executor, n)
    const theirs =
      pool.theirs.length > 0 && inline.theirs.length > 0
        ? `${(wall(inline.theirs) / wall(pool.theirs)).toFixed(2)}x`
        : '—'
    return [
      workload,
      executor,
      `${(wall(inline.ours) / wall(pool.ours)).toFixed(2)}x`,
      `${(inline.warm!.wallMs / pool.warm!.wallMs).toFixed(2)}x`,
      theirs,
    ]
  })
})
console.log('\nspeed-up over the same engine inline / sync, 2 workers (warm: over inline warm)')
printTable(['workload', 'executor', 'taskgraph', 'warm', 'Dask'], speedUps)

// The project's targets, with taskgraph's figures from this run.
const fanout100k = find('fanout-sum', 'inline', 100_000)
const fanout1m = find('fanout-sum', 'inline', 1_000_000)
const perTask100k = (wall(fanout100k.ours) * 1000) / 100_001
const heapPerTask1m = median(fanout1m.ours.map((m) => m.peakHeapBytes ?? 0)) / 1_000_001
const piInline = find('pi', 'inline', 8)
const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met')
const targets: string[][] = [
  [
    '100k tasks in-process, build + compute',
    '≤ 5 µs/task',
    `${perTask100k.toFixed(2)} µs/task`,
    verdict(perTask100k <= 5),
  ],
]
if (fanout100k.theirs.length > 0) {
  const speedUp = wall(fanout100k.theirs) / wall(fanout100k.ours)
  targets.push([
    '… against Dask sync',
    '≥ 8x faster',
    `${speedUp.toFixed(1)}x`,
    verdict(speedUp >= 8),
  ])
}
targets.push(
  [
    '1,000,000 tasks in-process',
    '≤ 6 s',
    fmt(wall(fanout1m.ours)),
    verdict(wall(fanout1m.ours) <= 6000),
  ],
  ['… heap', '≤ 1 KB/task', `${heapPerTask1m.toFixed(0)} B/task`, verdict(heapPerTask1m <= 1024)],
)
for (const executor of ['threads', 'processes'] as const) {
  const pool = find('fanout-sum', executor, 10_000)
  for (const [state, ms] of [
    ['cold', wall(pool.ours)],
    ['warm', pool.warm!.wallMs],
  ] as const) {
    const us = (ms * 1000) / 10_001
    targets.push([
      `10k trivial tasks, 2 workers, ${executor}, ${state}`,
      '≤ 15 µs/task',
      `${us.toFixed(2)} µs/task`,
      verdict(us <= 15),
    ])
  }
}
for (const executor of ['threads', 'processes'] as const) {
  const pool = find('pi', executor, 8)
  for (const [state, inline, ms] of [
    ['cold', wall(piInline.ours), wall(pool.ours)],
    ['warm', piInline.warm!.wallMs, pool.warm!.wallMs],
  ] as const) {
    const speedUp = inline / ms
    targets.push([
      `pi 8 x 0.25 s, 2 workers, ${executor}, ${state}`,
      '≥ 1.9x over inline',
      `${speedUp.toFixed(2)}x`,
      verdict(speedUp >= 1.9),
    ])
  }
}
targets.push([
  'one-task workflow, whole run process',
  '≤ 400 ms',
  fmt(median(starts.ours)),
  verdict(median(starts.ours) <= 400),
])
console.log('\ntargets')
printTable(['what', 'target', 'this run', ''], targets)

await compareClusters(repetitions, version === undefined ? undefined : PYTHON)
