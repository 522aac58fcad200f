/**
 * The runs listening to each `signal` option, behind one listener per signal. A program
 * that shares one signal among many runs at once (a service's shutdown signal, a
 * request's) would otherwise add a listener per run, and Node warns of a leak
 * (`MaxListenersExceededWarning`) from the eleventh on, though each run removes its own.
 */
interface Watch {
  readonly listeners: Set<() => void>
  readonly fire: () => void
}

const watches = new WeakMap<AbortSignal, Watch>()

/** Calls `listener` once `signal` aborts, until the returned function is called. */
export function onAbort(signal: AbortSignal, listener: () => void): () => void {
  let watch = watches.get(signal)
  if (watch === undefined) {
    const listeners = new Set<() => void>()
    const fire = (): void => {
      watches.delete(signal)
      // A copy: each listener ends its run, which stops listening.
      for (const each of [...listeners]) each()
    }
    watch = { listeners, fire }
    watches.set(signal, watch)
    signal.addEventListener('abort', fire, { once: true })
  }
  // A wrapper of its own, so that the same function given twice is called twice.
  const entry = (): void => listener()
  const { listeners, fire } = watch
  listeners.add(entry)
  return () => {
    if (!listeners.delete(entry) || listeners.size > 0) return
    // The last run on it has ended: the signal is left as it was found.
    signal.removeEventListener('abort', fire)
    if (watches.get(signal) === watch) watches.delete(signal)
  }
}
