/**
 * Something waiting on promises that only this process's event loop can settle: told
 * when the loop has nothing left to run, so those promises can never settle.
 */
export interface IdleWatcher {
  /**
   * The event loop is empty: every promise still awaited is stuck for good. Returns
   * whether it failed anything, so that the program goes on to what follows.
   */
  onIdle(): boolean
}

const watchers = new Set<IdleWatcher>()

// Node emits 'beforeExit' when the event loop has emptied. A run waiting on a task's
// promise then waits for ever (or, with no other work, the process exits mid-run with
// code 13 and no word): the watchers fail those tasks instead. Anything they schedule
// keeps the process running, and 'beforeExit' comes again if the loop empties again.
// What a failure leads to runs in promise jobs, which do not keep the loop alive: a
// program that then awaits another stuck task (a second parallelMap, say) would exit with
// code 13 and no word. One more turn of the loop lets 'beforeExit' come again for it.
function onBeforeExit(): void {
  let failed = false
  for (const watcher of [...watchers]) if (watcher.onIdle()) failed = true
  if (failed) setImmediate(() => undefined)
}

/** Tells `watcher` when the event loop empties, until the returned function is called. */
export function watchIdle(watcher: IdleWatcher): () => void {
  if (watchers.size === 0) process.on('beforeExit', onBeforeExit)
  watchers.add(watcher)
  return () => {
    if (!watchers.delete(watcher)) return
    if (watchers.size === 0) process.off('beforeExit', onBeforeExit)
  }
}
