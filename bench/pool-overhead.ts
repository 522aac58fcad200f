// Per-task overhead of the pool executors: 10,000 trivial tasks (a fan-out of inc plus
// one sum) on 2 workers, threads and processes, with a fresh pool per run ("cold":
// workers start inside the measurement) and with one pool reused ("warm").
//
//   pnpm bench                                   # from the repository root
//   node --import tsx pool-overhead.ts 10000 7   # N, repetitions
import { compute, ProcessExecutor, ThreadExecutor, type Executor } from 'taskgraph'
import { median, printTable } from './lib/stats.ts'
import { inc, sum } from './tasks.ts'

const n = Number(process.argv[2] ?? 10_000)
const repetitions = Number(process.argv[3] ?? 7)
const WORKERS = 2

const graph = () => sum(Array.from({ length: n }, (_, i) => inc(i)))
const expected = (n * (n + 1)) / 2

async function timed(executor: 'inline' | 'threads' | 'processes' | Executor): Promise<number> {
  const target = graph()
  const started = performance.now()
  const [result] = await compute(
    target,
    typeof executor === 'string' && executor !== 'inline'
      ? { executor, workers: WORKERS }
      : { executor },
  )
  const ms = performance.now() - started
  if (result !== expected) throw new Error(`wrong result ${result}`)
  return ms
}

const rows: string[][] = []
const perTask = (ms: number): string => `${((ms * 1000) / (n + 1)).toFixed(2)} µs`
const row = (label: string, times: number[]): void => {
  const m = median(times)
  rows.push([label, `${m.toFixed(1)} ms`, perTask(m)])
}

await timed('inline')
row('inline', await repeat(() => timed('inline')))
for (const kind of ['threads', 'processes'] as const) {
  row(`${kind}, cold`, await repeat(() => timed(kind)))
  const pool =
    kind === 'threads'
      ? new ThreadExecutor({ workers: WORKERS })
      : new ProcessExecutor({ workers: WORKERS })
  await timed(pool)
  row(`${kind}, warm`, await repeat(() => timed(pool)))
  await pool.close()
}

console.log(
  `${n.toLocaleString('en')} trivial tasks (fan-out + sum) on ${WORKERS} workers, median of ${repetitions} runs`,
)
console.log(`node ${process.version}, ${process.platform}/${process.arch}\n`)
printTable(['executor', 'compute', 'per task'], rows)

async function repeat(run: () => Promise<number>): Promise<number[]> {
  const times: number[] = []
  for (let r = 0; r < repetitions; r++) times.push(await run())
  return times
}
