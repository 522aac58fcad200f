import { readdirSync, readFileSync } from 'node:fs'
import { ProcessExecutor, ThreadExecutor, type PoolOptions } from '@taskgraph/scheduler'

/** The pool executors, for `describe.each`. */
export const POOLS = ['threads', 'processes'] as const
export type PoolName = (typeof POOLS)[number]

/** Whether the named executor is a pool: it runs tasks in worker threads or processes. */
export function isPool(name: string): name is PoolName {
  return (POOLS as readonly string[]).includes(name)
}

/** A new pool executor of the named kind; the caller closes it. */
export function makePool(
  name: PoolName,
  options: PoolOptions = { workers: 2 },
): ThreadExecutor | ProcessExecutor {
  return name === 'threads' ? new ThreadExecutor(options) : new ProcessExecutor(options)
}

/** OS threads of this process (worker threads are OS threads), from /proc. */
export function threadCount(): number {
  return readdirSync('/proc/self/task').length
}

/**
 * The names of this process's threads, from /proc: Node 24 names its own ('MainThread',
 * 'V8Worker', 'libuv-worker') and a worker thread by its `name` option ('WorkerThread'
 * without one); older Nodes call them all 'node'.
 */
export function threadNames(): string[] {
  const names: string[] = []
  for (const id of readdirSync('/proc/self/task')) {
    try {
      names.push(readFileSync(`/proc/self/task/${id}/comm`, 'utf8').trim())
    } catch {
      // The thread ended while we looked.
    }
  }
  return names.sort()
}

/**
 * Live child processes of this process, from /proc; with `unreaped`, those that ended
 * but that Node has not yet heard end (zombies) as well.
 */
export function childProcesses({ unreaped = false } = {}): number[] {
  const children: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      // Field 4 of /proc/<pid>/stat is the parent pid; field 2 (the name) may hold spaces.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (Number(fields[1]) === process.pid && (unreaped || fields[0] !== 'Z')) {
        children.push(Number(entry))
      }
    } catch {
      // The process ended while we looked.
    }
  }
  return children
}
