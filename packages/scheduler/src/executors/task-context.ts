import { AsyncLocalStorage } from 'node:async_hooks'

/**
 * Where a task's failures from outside its call go: async context carries it to every
 * callback and promise the task starts, so a rejection nothing handled is traced back
 * to the task that made the promise.
 */
export type TaskContext = (unhandledRejection: unknown) => void

const storage = new AsyncLocalStorage<TaskContext>()

/**
 * Calls `fn(arg)` (which calls a task function, or hands a call to an executor) in
 * `context`. The argument is passed along rather than closed over: this runs once per
 * task, and must not allocate more than it needs.
 */
export function runInTask<A, T>(context: TaskContext, fn: (arg: A) => T, arg: A): T {
  return storage.run(context, fn, arg)
}

/**
 * Reports a rejection nothing handled to the task that made the promise; one made
 * outside any task ends the program as Node would without this listener.
 */
function onUnhandledRejection(reason: unknown): void {
  const context = storage.getStore()
  if (context !== undefined) {
    context(reason)
    return
  }
  leaveToNode(reason)
}

/**
 * For a listener of `unhandledRejection` (whose presence stops Node from acting on one):
 * does what Node would have done with `reason` without it, ending the program where
 * Node's mode is fatal, unless another listener hears it too.
 */
export function leaveToNode(reason: unknown): void {
  if (process.listenerCount('unhandledRejection') === 1 && rejectionsAreFatal()) throw reason
}

/**
 * Whether Node ends the program for an unhandled rejection (its default mode, `throw`),
 * rather than only warning (`--unhandled-rejections=warn`, `none`, ...).
 */
function rejectionsAreFatal(): boolean {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)]
  const mode = flags
    .filter((flag) => flag.startsWith('--unhandled-rejections='))
    .at(-1)
    ?.slice('--unhandled-rejections='.length)
  return mode === undefined || mode === 'throw' || mode === 'strict'
}

let runs = 0

/**
 * Listens for unhandled rejections while at least one run is in flight; the returned
 * function stops listening for this run.
 */
export function watchUnhandledRejections(): () => void {
  if (runs++ === 0) process.on('unhandledRejection', onUnhandledRejection)
  let stopped = false
  return () => {
    if (stopped) return
    stopped = true
    if (--runs === 0) process.off('unhandledRejection', onUnhandledRejection)
  }
}
