// The runner's side of supervision: the process that runs `taskgraph run` for the
// supervisor in supervise.ts.
import { watchParent } from '@taskgraph/scheduler/internal'
import { SUPERVISED_ENV } from './role.js'
import { announceAcknowledged } from './run-ended.js'

let supervisor: number | undefined

/**
 * Makes this process the runner of the supervisor named in its environment: it and its
 * process group (pool workers included) end with the supervisor, even killed with
 * SIGKILL, and even while a task holds the main thread.
 */
export function startRunner(): void {
  const pid = Number(process.env[SUPERVISED_ENV])
  // The run's own child processes (pool workers, a task's `taskgraph run`) are not runners.
  delete process.env[SUPERVISED_ENV]
  watchParent({ group: true })
  // Checked after the watcher has read the parent's pid: a supervisor that died before
  // then left this process with another parent, which the watcher would take for its own.
  if (process.ppid !== pid) {
    process.stderr.write(
      `taskgraph: internal error: ${SUPERVISED_ENV}=${pid} names a process that is not the parent of this one: it is gone, or the variable was set by hand\n`,
    )
    process.exit(1)
  }
  supervisor = pid
}

/**
 * Tells the supervisor that a stop signal reached the run, so no task holds the main
 * thread; without it the supervisor suggests a second Ctrl-C. Nothing when unsupervised.
 */
export function acknowledgeStop(): void {
  if (supervisor !== undefined) announceAcknowledged()
}
