// One measurement of one workload, in a fresh process, printed as one JSON line: the unit
// `pnpm bench` and `pnpm bench:compare` are made of (bench/dask/*.py print the same for
// Dask). A fresh process per measurement keeps runs from warming each other up.
//
//   node --expose-gc --import tsx measure.ts WORKLOAD EXECUTOR N [cold|warm|recorded|ten|submit]
//
// WORKLOAD: fanout-sum (N leaves), chains (N chains of 10), pi (N tasks of ~0.25 s),
// mandelbrot (N x N tiles), wordcount (N partitions), fib (fib(N) by tasks that return
// graphs: one nested run per call that returns one). EXECUTOR: inline, async, threads,
// processes (pools get 2 workers). cold: the first run of the process, pool start-up
// included; warm: after two runs on the same pool, the median of five more; recorded: as
// cold, with a Profiler keeping every task's record (what `taskgraph run --trace` does);
// ten: ten runs one after the other, each naming its executor (`executor: 'threads'`),
// as a program of one-off computes does: build and compute are the ten runs' totals;
// submit (fanout-sum only): the same tasks as futures, one `submit` each and one for the
// sum, on the executor's default pool once it has run a compute (warm, as a Dask client
// maps onto a running cluster): compute is from the first submit to the sum's result.
// computeThreadCpuMs (Linux): the main thread's CPU time during the compute, steadier than
// computeMs where other work shares the cores.
import { fileURLToPath } from 'node:url'
import { TaskGraph } from '@taskgraph/core/internal'
import {
  Client,
  compute,
  ProcessExecutor,
  Profiler,
  ThreadExecutor,
  type Executor,
  type RunOptions,
} from 'taskgraph'
import { collectGarbage, threadCpuMs } from './lib/stats.ts'

export const WORKERS = 2
export const TEXT = fileURLToPath(
  new URL('../examples/data/kjv-genesis-exodus.txt', import.meta.url),
)

type ExecutorName = 'inline' | 'async' | 'threads' | 'processes'

interface Built {
  readonly target: unknown
  readonly tasks: number
  readonly check: (result: unknown) => void
}

/**
 * Builds a workload's graph; the time it takes is the build time. Each workload's task
 * module is imported on its own, so pool workers load only what that workload needs.
 */
async function build(workload: string, n: number): Promise<() => Built> {
  switch (workload) {
    case 'fanout-sum': {
      const { inc, sum } = await import('./workloads/trivial.ts')
      return () => {
        const leaves = new Array<ReturnType<typeof inc>>(n)
        for (let i = 0; i < n; i++) leaves[i] = inc(i)
        return { target: sum(leaves), tasks: n + 1, check: expectEqual((n * (n + 1)) / 2) }
      }
    }
    case 'chains': {
      const { inc } = await import('./workloads/trivial.ts')
      return () => {
        const ends = []
        for (let c = 0; c < n; c++) {
          let value = inc(c)
          for (let s = 1; s < 10; s++) value = inc(value)
          ends.push(value)
        }
        return {
          target: ends,
          tasks: n * 10,
          check: expectEqual(Array.from({ length: n }, (_, c) => c + 10)),
        }
      }
    }
    case 'fib': {
      const { fib, fibonacci, fibTasks } = await import('./workloads/fib.ts')
      return () => ({ target: fib(n), tasks: fibTasks(n), check: expectEqual(fibonacci(n)) })
    }
    case 'pi': {
      const { estimatePi, mean, samplesFor } = await import('./workloads/pi.ts')
      const samples = samplesFor(250)
      return () => ({
        target: mean(Array.from({ length: n }, (_, i) => estimatePi(samples, i + 1))),
        tasks: n + 1,
        check: (result) => {
          if (Math.abs((result as number) - Math.PI) > 0.01)
            throw new Error(`pi = ${String(result)}`)
        },
      })
    }
    case 'mandelbrot': {
      const { MAX_ITER, image, splitTiles, testCase, tile, untiledSum } =
        await import('./workloads/mandelbrot.ts')
      let expected: number | undefined
      return () => {
        const tiles = splitTiles(testCase.width, testCase.height, n)
        return {
          target: image(
            testCase,
            tiles,
            tiles.map((t) => tile(testCase, t, MAX_ITER)),
          ),
          tasks: n * n + 1,
          // The tiles put back together must sum as the untiled image does (computed
          // once, after the timed run).
          check: (result) => {
            expected ??= untiledSum()
            if (result !== expected) throw new Error(`pixel sum ${String(result)} ≠ ${expected}`)
          },
        }
      }
    }
    case 'wordcount': {
      const { wordCount, plainTopTen } = await import('./workloads/wordcount.ts')
      let expected: string | undefined
      return () => {
        const target = wordCount(TEXT, n)
        return {
          target,
          tasks: TaskGraph.collect('bench', [target]).size,
          // The same ten as a plain count of the text (made once, after the timed run).
          check: (result) => {
            expected ??= JSON.stringify(plainTopTen(TEXT))
            if (JSON.stringify(result) !== expected) {
              throw new Error(`top words ${JSON.stringify(result)}, expected ${expected}`)
            }
          },
        }
      }
    }
    default:
      throw new Error(`unknown workload ${workload}`)
  }
}

function expectEqual(expected: unknown): (result: unknown) => void {
  return (result) => {
    if (JSON.stringify(result) !== JSON.stringify(expected)) throw new Error('wrong result')
  }
}

async function once(make: () => Built, executor: ExecutorName | Executor, recorded = false) {
  const inProcess = typeof executor === 'string' && (executor === 'inline' || executor === 'async')
  // Heap figures are for in-process runs; forcing collections would slow pools' warm runs
  // (V8 drops the compiled code of functions a few collections have not seen run).
  if (inProcess) collectGarbage()
  const heapBefore = process.memoryUsage().heapUsed
  let peakHeap = heapBefore
  const sampler = setInterval(
    () => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)),
    5,
  )
  const buildStart = performance.now()
  const built = make()
  const builtAt = performance.now()
  const cpuAtBuilt = threadCpuMs()
  // With a Profiler, as `taskgraph run --trace` runs: every task's record is kept.
  const hooks = recorded ? { hooks: new Profiler().hooks } : {}
  const options: RunOptions =
    typeof executor === 'string' && !inProcess
      ? { executor, workers: WORKERS, ...hooks }
      : { executor, ...hooks }
  const [result] = await compute(built.target, options)
  const done = performance.now()
  const cpuAtDone = threadCpuMs()
  clearInterval(sampler)
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)
  built.check(result)
  return {
    tasks: built.tasks,
    buildMs: builtAt - buildStart,
    computeMs: done - builtAt,
    ...(cpuAtDone === undefined ? {} : { computeThreadCpuMs: cpuAtDone - cpuAtBuilt! }),
    wallMs: done - buildStart,
    peakHeapBytes: peakHeap - heapBefore,
  }
}

/** The fan-out as futures: `n` submits of `inc` and one of `sum` over their futures. */
async function submitted(make: () => Built, name: ExecutorName, n: number) {
  const { inc, sum } = await import('./workloads/trivial.ts')
  const pool = name === 'threads' || name === 'processes'
  const client = new Client(pool ? { executor: name, workers: WORKERS } : { executor: name })
  // The executor runs a compute first: a pool's workers start and load the tasks.
  await once(make, name)
  const start = performance.now()
  const leaves = Array.from({ length: n }, (_, i) => client.submit(inc, i))
  const total = await client.submit(sum, leaves)
  const done = performance.now()
  expectEqual((n * (n + 1)) / 2)(total)
  return {
    tasks: n + 1,
    buildMs: 0,
    computeMs: done - start,
    wallMs: done - start,
    peakHeapBytes: 0,
  }
}

async function main(): Promise<void> {
  const [workload = '', executorName = '', size = '', variant = 'cold'] = process.argv.slice(2)
  const n = Number(size)
  const name = executorName as ExecutorName
  if (!['inline', 'async', 'threads', 'processes'].includes(name) || !(n > 0)) {
    throw new Error(
      'usage: measure.ts WORKLOAD inline|async|threads|processes N [cold|warm|recorded|ten|submit]',
    )
  }
  const make = await build(workload, n)
  let measured
  if (variant === 'warm') {
    const pool =
      name === 'threads'
        ? new ThreadExecutor({ workers: WORKERS })
        : name === 'processes'
          ? new ProcessExecutor({ workers: WORKERS })
          : undefined
    try {
      // Two runs first: the pool starts and its workers' code is optimised. Then the run
      // of median compute time among five.
      await once(make, pool ?? name)
      await once(make, pool ?? name)
      const runs = []
      for (let r = 0; r < 5; r++) runs.push(await once(make, pool ?? name))
      runs.sort((a, b) => a.computeMs - b.computeMs)
      measured = runs[2]!
    } finally {
      await pool?.close()
    }
  } else if (variant === 'ten') {
    const runs: Awaited<ReturnType<typeof once>>[] = []
    for (let r = 0; r < 10; r++) runs.push(await once(make, name))
    const total = (field: 'buildMs' | 'computeMs' | 'wallMs' | 'peakHeapBytes') =>
      runs.reduce((sum, run) => sum + run[field], 0)
    measured = {
      tasks: runs[0]!.tasks * 10,
      buildMs: total('buildMs'),
      computeMs: total('computeMs'),
      wallMs: total('wallMs'),
      peakHeapBytes: Math.max(...runs.map((run) => run.peakHeapBytes)),
    }
  } else if (variant === 'submit') {
    if (workload !== 'fanout-sum') throw new Error('submit measures fanout-sum only')
    measured = await submitted(make, name, n)
  } else {
    // recorded: as cold, keeping every task's record.
    measured = await once(make, name, variant === 'recorded')
  }
  const line = {
    engine: 'taskgraph',
    workload,
    executor: name,
    variant,
    n,
    ...measured,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  }
  console.log(JSON.stringify(line))
}

await main()
