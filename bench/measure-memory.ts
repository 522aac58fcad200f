// One run of a memory flow (workloads/memory.ts), in a fresh process, printed as one JSON
// line. memory.ts runs it and samples the RSS of its process tree from outside; this side
// reports the compute's wall time and its own peak RSS (VmHWM) at the end.
//
//   node --import tsx measure-memory.ts FLOW EXECUTOR
//   node --import tsx measure-memory.ts idle EXECUTOR
//
// FLOW: producer-consumer, fan-in, string-output, string-consumed. EXECUTOR: inline, async,
// threads, processes (pools get 2 workers, started before the compute is timed). `idle`
// starts the pool, lets it settle, and reports the tree's RSS: with `inline`, a bare
// process that has loaded the same modules.
import { setTimeout as sleep } from 'node:timers/promises'
import { compute, ProcessExecutor, ThreadExecutor, type ExecutorName } from 'taskgraph'
import { processTree, rssOf, statusBytes } from './lib/tree-rss.ts'
import { median } from './lib/stats.ts'
import { flows } from './workloads/memory.ts'

const WORKERS = 2
const EXECUTORS = ['inline', 'async', 'threads', 'processes']

function pool(name: string): ThreadExecutor | ProcessExecutor | undefined {
  if (name === 'threads') return new ThreadExecutor({ workers: WORKERS })
  if (name === 'processes') return new ProcessExecutor({ workers: WORKERS })
  return undefined
}

/** The tree's RSS once started pools have settled: the median of a few snapshots. */
async function idleTreeRss(): Promise<number> {
  await sleep(500)
  const snapshots = []
  for (let i = 0; i < 5; i++) {
    snapshots.push(rssOf(processTree(process.pid)))
    await sleep(20)
  }
  return median(snapshots)
}

async function main(): Promise<void> {
  const [flowName = '', executor = ''] = process.argv.slice(2)
  const flow = flows[flowName]
  if ((flow === undefined && flowName !== 'idle') || !EXECUTORS.includes(executor)) {
    throw new Error(
      `usage: measure-memory.ts ${[...Object.keys(flows), 'idle'].join('|')} ${EXECUTORS.join('|')}`,
    )
  }
  const workers = pool(executor)
  try {
    await workers?.start()
    if (flow === undefined) {
      console.log(JSON.stringify({ flow: flowName, executor, treeRssBytes: await idleTreeRss() }))
      return
    }
    const { target, check } = flow.make()
    const started = performance.now()
    const [result] = await compute(target, { executor: workers ?? (executor as ExecutorName) })
    const wallMs = performance.now() - started
    check(result)
    console.log(
      JSON.stringify({
        flow: flowName,
        executor,
        wallMs,
        mainHwmBytes: statusBytes('self', 'VmHWM'),
      }),
    )
  } finally {
    await workers?.close()
  }
}

await main()
