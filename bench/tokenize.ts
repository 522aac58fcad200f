// The lesson's Vectorizer experiment (PyBlaze): 100 texts tokenized with a 10 ms
// blocking wait each, in a for loop and with a Vectorizer on 2 and 4 workers (threads and
// processes). PyBlaze made its 4 worker processes in each call and got 1.01 s for the loop
// against 0.28 s. Here "cold" does the same (a pool started and ended by each call);
// "warm" passes a pool kept across calls. Runs alternate, so each gets the same share
// of the machine's noise.
//
//   pnpm bench                            # from the repository root
//   node --import tsx tokenize.ts 7       # repetitions
import { ProcessExecutor, ThreadExecutor, Vectorizer, type Executor } from 'taskgraph'
import { texts, tokenize } from '../examples/tokenize.ts'
import { median, printTable } from './lib/stats.ts'

const repetitions = Number(process.argv[2] ?? 7)

function sequential(): string[][] {
  return texts.map((text) => tokenize(text))
}

/** The lesson's `parallel(texts)`: a vectorizer made for the call. */
function parallel(
  executor: 'threads' | 'processes' | Executor,
  workers: number,
): Promise<string[][]> {
  const options = typeof executor === 'string' ? { executor, workers } : { executor }
  return new Vectorizer(tokenize, options).process(texts)
}

async function timed(run: () => unknown): Promise<number> {
  const started = performance.now()
  await run()
  return performance.now() - started
}

const expected = JSON.stringify(sequential())
const warm = {
  threads2: new ThreadExecutor({ workers: 2 }),
  threads4: new ThreadExecutor({ workers: 4 }),
  processes2: new ProcessExecutor({ workers: 2 }),
  processes4: new ProcessExecutor({ workers: 4 }),
}
await Promise.all(Object.values(warm).map((pool) => pool.start()))
for (const pool of Object.values(warm)) {
  if (JSON.stringify(await parallel(pool, pool.workers)) !== expected)
    throw new Error(`${pool.name} tokenized differently`)
}

const runs: Record<string, () => unknown> = {
  'for loop': sequential,
  'threads, 2 workers, cold': () => parallel('threads', 2),
  'threads, 4 workers, cold': () => parallel('threads', 4),
  'processes, 2 workers, cold': () => parallel('processes', 2),
  'processes, 4 workers, cold': () => parallel('processes', 4),
  'threads, 2 workers, warm': () => parallel(warm.threads2, 2),
  'threads, 4 workers, warm': () => parallel(warm.threads4, 4),
  'processes, 2 workers, warm': () => parallel(warm.processes2, 2),
  'processes, 4 workers, warm': () => parallel(warm.processes4, 4),
}
const times = Object.fromEntries(Object.keys(runs).map((label) => [label, [] as number[]]))
for (let r = 0; r < repetitions; r++) {
  for (const [label, run] of Object.entries(runs)) times[label]!.push(await timed(run))
}
await Promise.all(Object.values(warm).map((pool) => pool.close()))

const loop = median(times['for loop']!)
console.log(
  `Tokenize ${texts.length} texts with a 10 ms wait each, median of ${repetitions} run${repetitions === 1 ? '' : 's'}`,
)
console.log(`node ${process.version}, ${process.platform}/${process.arch}\n`)
printTable(
  ['run', 'wall', 'speed-up over the loop'],
  Object.entries(times).map(([label, values]) => [
    label,
    `${median(values).toFixed(0)} ms`,
    `${(loop / median(values)).toFixed(2)}x`,
  ]),
)
