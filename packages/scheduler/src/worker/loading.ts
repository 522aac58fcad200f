// What a worker is importing while it gets ready, for the error that names it if the
// import never finishes. Kept on globalThis: a preload module may load its own copy of
// taskgraph's packages.

const LISTENER = Symbol.for('taskgraph.worker.loading')

type Listener = (url: string) => void

/** In a worker: who hears of each module a preload module is about to import. */
export function setLoadingListener(listener: Listener): void {
  ;(globalThis as Record<symbol, unknown>)[LISTENER] = listener
}

/**
 * Says, from a pool's preload module, that it is about to import `what` (a URL, or what
 * the module loads in words): if it never finishes, the pool's `WorkerStartError` names
 * it. Does nothing outside a worker.
 */
export function announceLoading(what: string): void {
  const listener = (globalThis as Record<symbol, unknown>)[LISTENER]
  if (typeof listener === 'function') (listener as Listener)(what)
}

const STARTING = Symbol.for('taskgraph.worker.starting')

/**
 * In a worker: marks whether it is importing its modules as it gets ready, when their
 * top-level code runs (see `workerStarting`).
 */
export function markStarting(yes: boolean): void {
  ;(globalThis as Record<symbol, unknown>)[STARTING] = yes
}

/**
 * Whether this is a pool's worker importing its modules as it gets ready: top-level code
 * running in every worker. A pool started there would have its own workers import the
 * same modules and start pools in turn, without end.
 */
export function workerStarting(): boolean {
  return (globalThis as Record<symbol, unknown>)[STARTING] === true
}
