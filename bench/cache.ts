// The result cache's costs (`pnpm bench:cache`, also the end of `pnpm bench`), each
// measured in a fresh process, repeated, medians printed side by side:
//
// 1. What caching costs a cold run of a 10,000-task fan-out + sum (an empty cache: every
//    task keyed, the results worth keeping stored) against the same run without a
//    cache, on inline, async and threads; and that cost split into what any run pays
//    (a fan-out of one task) and what each task adds.
// 2. A fully cached re-run against building the graph alone (targets: <= 2x).
// 3. 1,000 tasks of 50 ms (100 chains of 10) re-run with one chain's input changed:
//    only that chain's 10 tasks run.
// 4. A long-lived process computing a small cached graph again and again: what one
//    compute costs without a cache, storing, and reading every result back.
//
// Last, the targets of 1 to 3, each against this run's figures.
//
//   node --import tsx cache.ts [REPETITIONS]
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { run } from './lib/processes.ts'
import { median, printTable } from './lib/stats.ts'

const REPETITIONS = Number(process.argv[2] ?? 5)

interface Measured {
  readonly buildMs: number
  readonly computeMs: number
  readonly buildCpuMs: number
  readonly computeCpuMs: number
  readonly computeThreadCpuMs?: number
  readonly ran: number
  readonly cached: number
  readonly calls: number
}

async function measure(...args: string[]): Promise<Measured> {
  const out = await run(process.execPath, [
    '--expose-gc',
    '--import',
    'tsx',
    'measure-cache.ts',
    ...args,
  ])
  return JSON.parse(out.trim().split('\n').at(-1)!) as Measured
}

const ms = (value: number): string => `${value.toFixed(1)} ms`
const ms3 = (value: number): string => `${value.toFixed(3)} ms`

/** One executor's measurements of each variant. */
interface Samples {
  readonly none: number[]
  readonly cold: number[]
  readonly warm: number[]
  readonly build: number[]
}
const newSamples = (): Samples => ({ none: [], cold: [], warm: [], build: [] })

/** A table row of the medians of `samples`: the cold cost, the re-run against the build. */
function row(executor: string, samples: Samples): string[] {
  const [none, cold, warm, build] = [samples.none, samples.cold, samples.warm, samples.build].map(
    median,
  ) as [number, number, number, number]
  return [
    executor,
    ms(none),
    ms(cold),
    `${((cold / none - 1) * 100).toFixed(0)}%`,
    ms(build),
    ms(warm),
    `${(warm / build).toFixed(2)}x`,
  ]
}
const root = await mkdtemp(join(tmpdir(), 'taskgraph-bench-cache-'))
try {
  // 1 and 2: the variants of one repetition side by side, each cold run in a new directory.
  // Wall time, and CPU time (every thread of the process), which other work on a shared
  // machine sways less.
  const rows: string[][] = []
  const cpuRows: string[][] = []
  const threadRows: string[][] = []
  const splitRows: string[][] = []
  // The targets, in wall time: this run's figures against them, printed last.
  const targets: string[][] = []
  const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met')
  for (const executor of ['inline', 'async', 'threads']) {
    const wall = newSamples()
    const cpu = newSamples()
    // The main thread's CPU time of the compute, where Linux tells it: the least noisy.
    const thread = { none: [] as number[], cold: [] as number[] }
    // A fan-out of one task, without and with an empty cache: the cost of any run.
    const single = { none: [] as number[], cold: [] as number[] }
    for (let r = 0; r < REPETITIONS; r++) {
      const directory = join(root, `${executor}-${r}`)
      single.none.push((await measure('single', executor, 'none', directory)).computeMs)
      single.cold.push((await measure('single', executor, 'cold', `${directory}-single`)).computeMs)
      const none = await measure('fanout', executor, 'none', directory)
      const cold = await measure('fanout', executor, 'cold', directory)
      const warm = await measure('fanout', executor, 'warm', directory)
      if (warm.ran !== 0) throw new Error(`a fully cached re-run ran ${warm.ran} tasks`)
      const build = await measure('fanout', executor, 'build', directory)
      wall.none.push(none.computeMs)
      wall.cold.push(cold.computeMs)
      wall.warm.push(warm.buildMs + warm.computeMs)
      wall.build.push(build.buildMs)
      cpu.none.push(none.computeCpuMs)
      cpu.cold.push(cold.computeCpuMs)
      cpu.warm.push(warm.buildCpuMs + warm.computeCpuMs)
      cpu.build.push(build.buildCpuMs)
      if (none.computeThreadCpuMs !== undefined && cold.computeThreadCpuMs !== undefined) {
        thread.none.push(none.computeThreadCpuMs)
        thread.cold.push(cold.computeThreadCpuMs)
      }
    }
    rows.push(row(executor, wall))
    const perRun = median(single.cold) - median(single.none)
    const perTask = (median(wall.cold) - median(wall.none) - perRun) / 10_000
    splitRows.push([executor, ms(perRun), `${(perTask * 1000).toFixed(2)} µs`])
    const cost = median(wall.cold) / median(wall.none) - 1
    const rerun = median(wall.warm) / median(wall.build)
    targets.push(
      [
        `${executor}: cold cache, cost`,
        '≤ 20%',
        `${(cost * 100).toFixed(0)}%`,
        verdict(cost <= 0.2),
      ],
      [`${executor}: cached re-run, vs build`, '≤ 2x', `${rerun.toFixed(2)}x`, verdict(rerun <= 2)],
    )
    cpuRows.push(row(executor, cpu))
    if (thread.none.length > 0) {
      const [none, cold] = [median(thread.none), median(thread.cold)]
      threadRows.push([executor, ms(none), ms(cold), `${((cold / none - 1) * 100).toFixed(0)}%`])
    }
  }
  const header = [
    'executor',
    'no cache',
    'cold cache',
    'cost',
    'build alone',
    'cached re-run',
    'vs build',
  ]
  console.log(`\n1-2. fan-out + sum of 10,000 cached tasks, wall time (medians of ${REPETITIONS})`)
  printTable(header, rows)
  console.log(`\n     the same runs, CPU time of the process (medians of ${REPETITIONS})`)
  printTable(header, cpuRows)
  if (threadRows.length > 0) {
    console.log(`\n     the same runs, CPU time of the main thread (medians of ${REPETITIONS})`)
    printTable(header.slice(0, 4), threadRows)
  }
  console.log(
    `\n     the cold cache's cost in wall time, per run (a fan-out of one task, cold against no cache) and per task (the rest of the 10,000-task fan-out's), medians of ${REPETITIONS}`,
  )
  printTable(['executor', 'per run', 'per task'], splitRows)

  // 3: one input changed.
  const chainRows: string[][] = []
  /** Tasks each re-run with one input changed ran. */
  const rerunCalls: number[] = []
  for (let r = 0; r < Math.min(REPETITIONS, 3); r++) {
    const directory = join(root, `chains-${r}`)
    const cold = await measure('chains', 'async', 'cold', directory)
    const again = await measure('chains', 'async', 'warm', directory, '7')
    rerunCalls.push(again.calls)
    chainRows.push([
      String(r + 1),
      `${cold.calls} in ${ms(cold.computeMs)}`,
      `${again.calls} in ${ms(again.computeMs)}`,
      String(again.cached),
    ])
  }
  console.log('\n3. 1,000 tasks of 50 ms (100 chains of 10) on async, one chain’s input changed')
  printTable(['run', 'cold: tasks run', 'changed: tasks run', 'read from the cache'], chainRows)
  targets.push([
    'one input changed: tasks run',
    "the chain's 10",
    rerunCalls.join(', '),
    verdict(rerunCalls.every((calls) => calls === 10)),
  ])

  // 4: a long-lived process, the three variants alternated.
  const repeated = { none: [] as number[], store: [] as number[], hit: [] as number[] }
  for (let r = 0; r < REPETITIONS; r++) {
    for (const variant of ['none', 'store', 'hit'] as const) {
      const directory = join(root, `repeat-${variant}-${r}`)
      repeated[variant].push((await measure('repeat', 'inline', variant, directory)).computeMs)
    }
  }
  console.log(
    `\n4. one process, 200 computes of 4 cached tasks and their sum on inline: one compute (medians of ${REPETITIONS} medians)`,
  )
  printTable(
    ['no cache', 'storing', 'all read back'],
    [[ms3(median(repeated.none)), ms3(median(repeated.store)), ms3(median(repeated.hit))]],
  )
  console.log('\ncache targets (wall time)')
  printTable(['what', 'target', 'this run', ''], targets)
} finally {
  await rm(root, { recursive: true, force: true })
}
