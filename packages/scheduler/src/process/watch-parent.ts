import { Worker } from 'node:worker_threads'

/** Options of `watchParent`. */
export interface WatchParentOptions {
  /**
   * Kill this process's whole process group, not only this process: for a process that
   * leads a group of its own (started `detached`) and whose children must go with it.
   * @default false
   */
  readonly group?: boolean
  /**
   * How often the parent's pid is checked, in milliseconds.
   * @default 200
   */
  readonly intervalMs?: number
}

// The watcher runs on a thread of its own because the main thread may be busy for ever
// in a task's synchronous loop, where no event (a closed IPC channel, a timer) is heard.
// An orphan is re-parented, so its parent's pid changes: that is the sign. Linux's
// PR_SET_PDEATHSIG would do it without a thread, but needs native code.
const WATCHER = `
const { workerData } = require('node:worker_threads')
const { parent, target, intervalMs } = workerData
setInterval(() => {
  if (process.ppid === parent) return
  try { process.kill(target, 'SIGKILL') } catch {}
  try { process.kill(process.pid, 'SIGKILL') } catch {}
}, intervalMs)
`

let watching = false

/**
 * Ends this process with SIGKILL soon after its parent process is gone, even while its
 * main thread is busy: a worker process or a run must never outlive the program that
 * started it. Once per process; the watcher never keeps the process alive.
 */
export function watchParent(options: WatchParentOptions = {}): void {
  if (watching) return
  const parent = process.ppid
  // Parent already gone (adopted by init), or nothing sensible to watch.
  if (parent <= 1) return
  watching = true
  const worker = new Worker(WATCHER, {
    eval: true,
    workerData: {
      parent,
      target: options.group === true ? -process.pid : process.pid,
      intervalMs: options.intervalMs ?? 200,
    },
    // A few MB: the watcher only reads a pid.
    resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 2 },
    stdout: false,
    stderr: false,
  })
  worker.unref()
}
