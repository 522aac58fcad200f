import { loadClusterPackage } from '../cluster-package.js'
import type { Io } from '../io.js'
import { textColumns } from '../text-columns.js'

/** Options of `taskgraph cluster status`. */
export interface ClusterStatusOptions {
  readonly cluster: string
  readonly json: boolean
}

/** `taskgraph cluster status`: the live workers, a line each (or as JSON). */
export async function clusterStatusCommand(options: ClusterStatusOptions, io: Io): Promise<void> {
  const { clusterStatus } = await loadClusterPackage('taskgraph cluster status')
  const workers = await clusterStatus(options.cluster, 'taskgraph cluster status')
  if (options.json) {
    io.stdout.write(`${JSON.stringify(workers, null, 2)}\n`)
    return
  }
  if (workers.length === 0) {
    io.stdout.write('no workers are connected: start some with taskgraph worker --cluster URL\n')
    return
  }
  const now = Date.now()
  const rows = [
    ['NAME', 'HOST', 'PID', 'THREADS', 'RUNNING', 'WAITING', 'RSS', 'TASKGRAPH', 'NODE', 'UP'],
    ...workers.map((worker) => [
      worker.name,
      worker.host,
      String(worker.pid),
      String(worker.threads),
      String(worker.running),
      String(worker.waiting),
      worker.rss === undefined ? '-' : `${Math.round(worker.rss / 1048576)}MB`,
      worker.taskgraph,
      worker.node,
      duration(now - worker.since),
    ]),
  ]
  io.stdout.write(textColumns(rows))
}

function duration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000))
  if (seconds < 120) return `${seconds}s`
  const minutes = Math.round(seconds / 60)
  return minutes < 120 ? `${minutes}m` : `${Math.round(minutes / 60)}h`
}
