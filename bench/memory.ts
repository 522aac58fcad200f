// The memory section of `pnpm bench`: the peak memory of data-heavy flows
// (workloads/memory.ts) on every executor, side by side in one run, against inline.
//
//   pnpm --filter @taskgraph/bench bench:memory   # this section alone (build first)
//   node --import tsx memory.ts 5                  # repetitions, from bench/
//
// Each run is a fresh process (measure-memory.ts) whose process tree (the process and its
// descendants, such as worker processes) has its VmRSS summed and sampled from here every
// 10 ms. The target: a flow's peak on an executor is at most twice inline's peak plus the
// workers' own footprint, the RSS an idle started pool of 2 workers adds to a bare process
// that loaded the same modules.
import { cpus, totalmem } from 'node:os'
import { measureMemory, type MemoryMeasurement } from './lib/processes.ts'
import { median, printTable } from './lib/stats.ts'
import { flows } from './workloads/memory.ts'

const repetitions = Number(process.argv[2] ?? 3)
const EXECUTORS = ['inline', 'async', 'threads', 'processes'] as const
const POOLS = ['threads', 'processes'] as const

const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`

/** Runs of each executor, repetitions going round the executors so each gets the same noise. */
async function measureAll(
  flow: string,
  executors: readonly string[],
): Promise<Map<string, MemoryMeasurement[]>> {
  const runs = new Map(executors.map((executor) => [executor, [] as MemoryMeasurement[]]))
  for (let r = 0; r < repetitions; r++) {
    for (const [executor, measured] of runs) measured.push(await measureMemory(flow, executor))
  }
  return runs
}

const middle = (runs: readonly MemoryMeasurement[], field: keyof MemoryMeasurement): number =>
  median(runs.map((run) => Number(run[field] ?? 0)))

const started = performance.now()
console.log(`\n6. memory: peak RSS of data-heavy flows on every executor, against inline`)
console.log(
  `node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB`,
)
console.log(
  `median of ${repetitions} run${repetitions === 1 ? '' : 's'}, each in a fresh process; pools have 2 workers, started before the compute`,
)

// The workers' footprint: an idle started pool's tree against a bare process ('inline').
const idle = await measureAll('idle', ['inline', ...POOLS])
const bare = middle(idle.get('inline')!, 'treeRssBytes')
const footprint = new Map<string, number>(EXECUTORS.map((executor) => [executor, 0]))
for (const executor of POOLS)
  footprint.set(executor, middle(idle.get(executor)!, 'treeRssBytes') - bare)
console.log(`\nworkers' footprint: an idle started pool of 2 workers, less a bare process`)
printTable(
  ['executor', 'tree RSS', 'footprint'],
  [...idle].map(([executor, runs]) => [
    executor === 'inline' ? 'bare process' : executor,
    mb(middle(runs, 'treeRssBytes')),
    executor === 'inline' ? '' : mb(footprint.get(executor)!),
  ]),
)

for (const [index, [flow, { what }]] of Object.entries(flows).entries()) {
  const runs = await measureAll(flow, EXECUTORS)
  const inline = middle(runs.get('inline')!, 'peakBytes')
  console.log(`\n6${String.fromCharCode(97 + index)}. ${flow}: ${what}`)
  printTable(
    [
      'executor',
      'wall',
      'peak tree RSS',
      'main VmHWM',
      'vs inline',
      'target: 2 × inline + footprint',
      'met',
    ],
    [...runs].map(([executor, measured]) => {
      const peak = middle(measured, 'peakBytes')
      const target = 2 * inline + footprint.get(executor)!
      return [
        executor,
        `${middle(measured, 'wallMs').toFixed(0)} ms`,
        mb(peak),
        mb(middle(measured, 'mainHwmBytes')),
        `${(peak / inline).toFixed(2)}x`,
        `≤ ${mb(target)}`,
        peak <= target ? 'yes' : 'no',
      ]
    }),
  )
  const gap = Math.max(...[...runs.values()].flat().map((run) => run.maxGapMs))
  console.log(
    `   tree RSS sampled every 10 ms; the longest gap between two samples: ${gap.toFixed(0)} ms`,
  )
}
console.log(`\nmemory section: ${((performance.now() - started) / 1000).toFixed(0)} s`)
