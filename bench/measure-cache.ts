// One measurement of the result cache, in a fresh process, printed as one JSON line: the
// unit cache.ts is made of.
//
//   node --expose-gc --import tsx measure-cache.ts WORKLOAD EXECUTOR VARIANT DIR [CHANGED]
//
// WORKLOAD: fanout (a fan-out + sum of 10,000 trivial cached tasks), single (the same
// with one task: what a run costs whatever its size), chains (100
// chains of 10 cached tasks that wait 50 ms, on the async executor), or repeat (below).
// VARIANT: none (no cache), cold (an empty cache in DIR), warm (DIR filled by an earlier
// run), build (the graph built, and collected as a run would, nothing computed).
// CHANGED: for chains, the chain whose input is changed (so only its 10 tasks should
// run). repeat is a long-lived process: 200 computes of 4 trivial cached tasks and their
// sum on one TaskCache, VARIANT none, store (new arguments each time) or hit; its
// computeMs is the median compute of the last 100. Times are wall time
// (buildMs, computeMs), CPU time of every thread of the process (buildCpuMs,
// computeCpuMs), and of the main thread alone, where Linux tells it (computeThreadCpuMs:
// garbage collector helpers and file system threads left out, so the least noisy).
import { TaskGraph } from '@taskgraph/core/internal'
import { compute, TaskCache, type RunSummary } from 'taskgraph'
import { calls, inc, step, sum } from './workloads/cached.ts'
import { collectGarbage, median, threadCpuMs } from './lib/stats.ts'

const [workload, executor, variant, directory, changed] = process.argv.slice(2) as [
  string,
  'inline' | 'threads' | 'async',
  string,
  string,
  string?,
]

/** Builds the workload's graph: its time is the build time. */
function build(): unknown {
  if (workload === 'fanout' || workload === 'single') {
    const leaves = new Array<unknown>(workload === 'single' ? 1 : 10_000)
    for (let i = 0; i < leaves.length; i++) leaves[i] = inc(i)
    return sum(leaves as Parameters<typeof sum>[0])
  }
  return Array.from({ length: 100 }, (_, chain) => {
    let value = step(chain === Number(changed) ? 1000 + chain : chain, 50)
    for (let s = 1; s < 10; s++) value = step(value, 50)
    return value
  })
}

/** CPU time since `start` (every thread of the process), in ms. */
const cpuSince = (start: NodeJS.CpuUsage): number => {
  const { user, system } = process.cpuUsage(start)
  return (user + system) / 1000
}

if (workload === 'repeat') {
  const cache = new TaskCache(directory)
  const times: number[] = []
  for (let r = 0; r < 200; r++) {
    const base = variant === 'store' ? r * 10 : 0
    const target = sum([inc(base), inc(base + 1), inc(base + 2), inc(base + 3)])
    const start = performance.now()
    await compute(target, { executor, ...(variant === 'none' ? {} : { cache }) })
    times.push(performance.now() - start)
  }
  console.log(JSON.stringify({ workload, executor, variant, computeMs: median(times.slice(100)) }))
  process.exit(0)
}

collectGarbage()
const buildCpu = process.cpuUsage()
const buildStart = performance.now()
const target = build()
if (variant === 'build') TaskGraph.collect('measure', [target])
const buildMs = performance.now() - buildStart
const buildCpuMs = cpuSince(buildCpu)
let summary: RunSummary | undefined
let computeMs = 0
let computeCpuMs = 0
let computeThreadCpuMs: number | undefined
if (variant !== 'build') {
  const cpu = process.cpuUsage()
  const threadCpu = threadCpuMs()
  const start = performance.now()
  await compute(target, {
    executor,
    ...(variant === 'none' ? {} : { cache: new TaskCache(directory) }),
    hooks: { onFinish: (finished) => (summary = finished) },
  })
  computeMs = performance.now() - start
  computeCpuMs = cpuSince(cpu)
  const threadCpuNow = threadCpuMs()
  if (threadCpu !== undefined && threadCpuNow !== undefined)
    computeThreadCpuMs = threadCpuNow - threadCpu
}
console.log(
  JSON.stringify({
    workload,
    executor,
    variant,
    buildMs,
    computeMs,
    // CPU time: less swayed than wall time by other work on a shared machine.
    buildCpuMs,
    computeCpuMs,
    computeThreadCpuMs,
    ran: summary?.done ?? 0,
    cached: summary?.cached ?? 0,
    calls: calls.count,
  }),
)
