// Scheduler overhead on the in-process `inline` executor: N trivial tasks in a
// fan-out + sum graph (inc(0) … inc(N-1), then one sum over all of them).
// Build time, compute time and heap are measured separately, medians of several runs.
//
//   pnpm bench                       # from the repository root
//   node --expose-gc --import tsx fanout-sum.ts 100000 5   # N, repetitions
import { delayed, type Delayed } from 'taskgraph'
import { collectGarbage, median, peakHeapDuring, printTable } from './lib/stats.ts'

const inc = delayed(function inc(x: number) {
  return x + 1
})
const sum = delayed(function sum(values: number[]) {
  let total = 0
  for (const value of values) total += value
  return total
})

interface Sample {
  buildMs: number
  computeMs: number
  graphBytes: number
  peakBytes: number
}

async function once(n: number): Promise<Sample> {
  collectGarbage()
  const heapBefore = process.memoryUsage().heapUsed
  const buildStart = performance.now()
  const leaves: Delayed<number>[] = new Array<Delayed<number>>(n)
  for (let i = 0; i < n; i++) leaves[i] = inc(i)
  const total = sum(leaves)
  const buildMs = performance.now() - buildStart
  collectGarbage()
  const graphBytes = process.memoryUsage().heapUsed - heapBefore

  let result = 0
  let computeMs = 0
  const peak = await peakHeapDuring(async () => {
    const computeStart = performance.now()
    result = await total.compute({ executor: 'inline' })
    computeMs = performance.now() - computeStart
  })
  const expected = (n * (n + 1)) / 2
  if (result !== expected) throw new Error(`wrong result: ${result}, expected ${expected}`)
  return { buildMs, computeMs, graphBytes, peakBytes: peak - heapBefore }
}

const n = Number(process.argv[2] ?? 100_000)
const repetitions = Number(process.argv[3] ?? 7)
await once(Math.min(n, 10_000)) // warm up the JIT
const samples: Sample[] = []
for (let r = 0; r < repetitions; r++) samples.push(await once(n))

const perTask = (ms: number): string => `${((ms * 1000) / (n + 1)).toFixed(2)} µs`
const build = median(samples.map((s) => s.buildMs))
const computeTime = median(samples.map((s) => s.computeMs))
console.log(
  `fan-out + sum, N = ${n.toLocaleString('en')} (+1 sum task), inline executor, median of ${repetitions} runs`,
)
console.log(`node ${process.version}, ${process.platform}/${process.arch}\n`)
printTable(
  ['phase', 'wall', 'per task', 'heap per task'],
  [
    [
      'build',
      `${build.toFixed(1)} ms`,
      perTask(build),
      `${(median(samples.map((s) => s.graphBytes)) / n).toFixed(0)} B (graph retained)`,
    ],
    [
      'compute',
      `${computeTime.toFixed(1)} ms`,
      perTask(computeTime),
      `${(median(samples.map((s) => s.peakBytes)) / n).toFixed(0)} B (peak, graph included)`,
    ],
    ['total', `${(build + computeTime).toFixed(1)} ms`, perTask(build + computeTime), ''],
  ],
)
