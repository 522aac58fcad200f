import type { TaskWorker } from '@taskgraph/scheduler'

/**
 * The name of a process of the trace, from the workers of its records (all with one host
 * and pid). The kind that says most about the process names it: a cluster worker, a
 * worker of a process pool, the program itself (it ran tasks on its main thread), or the
 * program seen only through its pool's worker threads. `showHost`: the trace spans
 * several hosts, so local processes say theirs too.
 */
export function processName(workers: readonly TaskWorker[], showHost: boolean): string {
  const first = workers[0]
  if (first === undefined) return 'no tasks'
  const { host, pid } = first
  const on = showHost ? ` on ${host}` : ''
  const cluster = workers.find((worker) => worker.kind === 'cluster')
  if (cluster !== undefined) {
    const name = cluster.name === undefined ? '' : ` ${cluster.name}`
    return `cluster worker${name} on ${host} (pid ${pid})`
  }
  if (workers.some((worker) => worker.kind === 'process')) return `process worker${on} (pid ${pid})`
  if (workers.some((worker) => worker.kind === 'main')) return `main${on} (pid ${pid})`
  return `threads of pid ${pid}${on}`
}

/** The name of a track: its thread, and which lane of it when tasks interleaved there. */
export function threadName(threadId: number, lane: number): string {
  const thread = threadId === 0 ? 'main thread' : `thread ${threadId}`
  return lane === 0 ? thread : `${thread} · lane ${lane + 1}`
}
