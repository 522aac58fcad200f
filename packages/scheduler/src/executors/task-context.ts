import { AsyncLocalStorage } from 'node:async_hooks'

/**
 * How a task failed outside its call: a promise it made rejected with nothing to handle
 * it, or a callback it started threw with nothing to catch it (`'worker-exception'`: in
 * a pool's worker, which it ended, after the task had returned).
 */
export type OutsideFailure = 'rejection' | 'exception' | 'worker-exception'

/**
 * Where a task's failures from outside its call go: async context carries it to every
 * callback and promise the task starts, so a rejection nothing handled, or an error a
 * callback threw, is traced back to the task that started it.
 */
export type TaskContext = (reason: unknown, how?: OutsideFailure) => void

const storage = new AsyncLocalStorage<TaskContext>()

/**
 * Calls `fn(arg)` (which calls a task function, or hands a call to an executor) in
 * `context`. The argument is passed along rather than closed over: this runs once per
 * task, and must not allocate more than it needs.
 */
export function runInTask<A, T>(context: TaskContext, fn: (arg: A) => T, arg: A): T {
  return storage.run(context, fn, arg)
}

/** Whether the code running now was started by a task on this thread. */
export function inTask(): boolean {
  return storage.getStore() !== undefined
}

/**
 * Reports a rejection nothing handled to the task that made the promise; one made
 * outside any task ends the program as Node would without this listener.
 */
function onUnhandledRejection(reason: unknown): void {
  const context = storage.getStore()
  if (context !== undefined) {
    context(reason, 'rejection')
    return
  }
  leaveToNode(reason)
}

/**
 * Reports an error nothing caught to the task that started the callback that threw it;
 * one thrown outside any task ends the program as Node would without this listener.
 */
function onUncaughtException(error: unknown, origin: NodeJS.UncaughtExceptionOrigin): void {
  const context = storage.getStore()
  if (context !== undefined) {
    context(error, origin === 'unhandledRejection' ? 'rejection' : 'exception')
    return
  }
  leaveExceptionToNode(error)
}

/**
 * For a listener of `unhandledRejection` (whose presence stops Node from acting on one):
 * does what Node would have done with `reason` without it, where Node's mode is fatal,
 * unless another listener hears it too. Node raises the reason, or an error quoting it
 * when it is none, as an uncaught exception from a rejection: the program's own
 * `uncaughtException` listeners get it with origin `'unhandledRejection'`; without one,
 * the program ends with Node's report of it.
 */
export function leaveToNode(reason: unknown): void {
  if (process.listenerCount('unhandledRejection') !== 1 || !rejectionsAreFatal()) return
  // Typed as Node's listeners are: an object with a stack is taken for an error there too.
  const error = isErrorLike(reason) ? (reason as Error) : new UnhandledPromiseRejection(reason)
  const listening = process.listeners('uncaughtException').some((l) => l !== onUncaughtException)
  // Thrown from here, it would reach them as an exception, not as a rejection.
  if (!listening) throw error
  // Node's types leave out the origin its own emits pass.
  const emit = process.emit.bind(process) as (event: string, ...args: unknown[]) => boolean
  emit('uncaughtExceptionMonitor', error, 'unhandledRejection')
  emit('uncaughtException', error, 'unhandledRejection')
}

/** Whether Node raises `value` as it is for an unhandled rejection (it has a stack). */
function isErrorLike(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, 'stack')
}

/** What Node raises for a rejection whose reason is not an error: the same name, code and message. */
class UnhandledPromiseRejection extends Error {
  readonly code = 'ERR_UNHANDLED_REJECTION'

  constructor(reason: unknown) {
    super(
      'This error originated either by throwing inside of an async function without a catch block, or by rejecting a promise which was not handled with .catch(). ' +
        `The promise rejected with the reason "${reasonText(reason)}".`,
    )
    this.name = 'UnhandledPromiseRejection'
  }
}

/** `reason` as text, as Node writes it there, whatever its `toString` does. */
function reasonText(reason: unknown): string {
  try {
    return String(reason)
  } catch {
    return Object.prototype.toString.call(reason)
  }
}

/**
 * Does what Node would have done with an uncaught `error` without this module's listener
 * (whose presence stops Node from acting on it): unless another listener hears it too,
 * the listener goes and the error is thrown again, which ends the program with Node's
 * own report of it.
 */
export function leaveExceptionToNode(error: unknown): void {
  if (process.listenerCount('uncaughtException') !== 1) return
  process.off('uncaughtException', onUncaughtException)
  process.nextTick(() => {
    throw error
  })
}

/**
 * Whether Node ends the program for an unhandled rejection (its default mode, `throw`),
 * rather than only warning (`--unhandled-rejections=warn`, `none`, ...).
 */
export function rejectionsAreFatal(): boolean {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)]
  const mode = flags
    .filter((flag) => flag.startsWith('--unhandled-rejections='))
    .at(-1)
    ?.slice('--unhandled-rejections='.length)
  return mode === undefined || mode === 'throw' || mode === 'strict'
}

let runs = 0
let watchingRejections = false

/**
 * Listens for uncaught exceptions while at least one run is in flight, and for unhandled
 * rejections from the first run on; the returned function stops listening for this run.
 * A task's promise may reject after its run has ended (a timer it left): that is told
 * as a warning (see `lateReporter`), where without the listener Node would end the
 * program. What no task started is left to Node either way.
 */
export function watchOutsideFailures(): () => void {
  if (!watchingRejections) {
    watchingRejections = true
    process.on('unhandledRejection', onUnhandledRejection)
  }
  if (runs++ === 0) process.on('uncaughtException', onUncaughtException)
  let stopped = false
  return () => {
    if (stopped) return
    stopped = true
    if (--runs === 0) process.off('uncaughtException', onUncaughtException)
  }
}
