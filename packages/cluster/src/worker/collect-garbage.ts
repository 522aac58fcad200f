import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/**
 * Collects this thread's garbage, once a worker has loaded what it runs on and before it
 * takes jobs. A fresh process's old generation is full of what loading left (BullMQ,
 * ioredis, the modules its threads serve); left alone, V8 compacts it a moment later,
 * during the first run's jobs, holding the worker 5 to 15 ms at a time.
 */
export function collectGarbage(): void {
  // A process started with --expose-gc has one already, and keeps its flag as it was.
  const given = (globalThis as { gc?: unknown }).gc
  if (typeof given === 'function') {
    ;(given as () => void)()
    return
  }
  // V8 ends a process that changes a flag once they are frozen: it goes on without.
  if (flagsFrozen(process.execArgv)) return
  // V8 gives `gc` only to contexts made while its flag is set: one is made for it, and
  // the flag cleared again, so that no thread started later (a pool's) has a `gc` global.
  setFlagsFromString('--expose-gc')
  try {
    ;(runInNewContext('gc') as () => void)()
  } finally {
    setFlagsFromString('--no-expose-gc')
  }
}

/**
 * Whether Node was started with V8's flags frozen once it began (the last word wins). A
 * V8 flag goes only on the command line: NODE_OPTIONS refuses this one.
 */
export function flagsFrozen(execArgv: readonly string[]): boolean {
  let frozen = false
  for (const flag of execArgv) {
    const match = /^--(no-)?freeze[-_]flags[-_]after[-_]init$/.exec(flag)
    if (match !== null) frozen = match[1] === undefined
  }
  return frozen
}
