// CPU-bound speed-up: the lesson's Monte Carlo pi as 8 tasks of about 0.25 s each,
// averaged, on the inline executor and on 2 workers (threads and processes, with a
// fresh pool per run and with one pool reused). Runs alternate between executors, so
// each gets the same share of the machine's noise.
//
//   pnpm bench                               # from the repository root
//   node --import tsx pi-speedup.ts 5        # repetitions
import { compute, ProcessExecutor, ThreadExecutor, type Executor } from 'taskgraph'
import { median, printTable } from './lib/stats.ts'
import { calcPi, estimatePi, mean } from './tasks.ts'

const repetitions = Number(process.argv[2] ?? 5)
const TASKS = 8
const WORKERS = 2

// Size the tasks to about 0.25 s each on this machine.
const probe = 2_000_000
let started = performance.now()
calcPi(probe, 1)
const samples = Math.round((probe * 250) / (performance.now() - started))

const graph = () => mean(Array.from({ length: TASKS }, (_, i) => estimatePi(samples, i + 1)))

async function timed(executor: Executor | 'inline' | 'threads' | 'processes'): Promise<number> {
  const target = graph()
  started = performance.now()
  await compute(
    target,
    typeof executor === 'string' && executor !== 'inline'
      ? { executor, workers: WORKERS }
      : { executor },
  )
  return performance.now() - started
}

const warmThreads = new ThreadExecutor({ workers: WORKERS })
const warmProcesses = new ProcessExecutor({ workers: WORKERS })
await timed(warmThreads)
await timed(warmProcesses)
const runs = {
  inline: () => timed('inline'),
  'threads, cold': () => timed('threads'),
  'threads, warm': () => timed(warmThreads),
  'processes, cold': () => timed('processes'),
  'processes, warm': () => timed(warmProcesses),
}
const times = Object.fromEntries(Object.keys(runs).map((label) => [label, [] as number[]]))
for (let r = 0; r < repetitions; r++) {
  for (const [label, run] of Object.entries(runs)) times[label]!.push(await run())
}
await warmThreads.close()
await warmProcesses.close()

const inline = median(times.inline!)
console.log(
  `Monte Carlo pi: ${TASKS} tasks of ${samples.toLocaleString('en')} samples (~0.25 s each), ${WORKERS} workers, median of ${repetitions} runs`,
)
console.log(`node ${process.version}, ${process.platform}/${process.arch}\n`)
printTable(
  ['executor', 'wall', 'speed-up over inline'],
  Object.entries(times).map(([label, values]) => [
    label,
    `${median(values).toFixed(0)} ms`,
    `${(inline / median(values)).toFixed(2)}x`,
  ]),
)
