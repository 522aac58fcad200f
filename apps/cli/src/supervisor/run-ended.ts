// How the runner tells its supervisor that the command, not the workflow, ends it: a
// task on the inline or async executor shares the runner's process, and its
// process.exit() would otherwise pass for the command's own exit (see supervise.ts).
// Loads nothing but Node's own modules: the closed-output handling of every role uses it.
import { writeSync } from 'node:fs'
import { END_FD_ENV } from './role.js'

/** Node's own `process.exit`, taken before a run guards it (see exit-guard.ts). */
const exit = process.exit.bind(process)

let endFd: number | undefined

/** Takes the file descriptor the supervisor named for the runner's report of its end. */
export function takeEndFd(): void {
  const named = process.env[END_FD_ENV]
  // The run's own child processes (pool workers, a task's `taskgraph run`) are not runners.
  delete process.env[END_FD_ENV]
  if (named !== undefined) endFd = Number(named)
}

/** Ends this process with `code`, telling a supervisor first that the command ends it. */
export function exitCommand(code: number): never {
  if (endFd !== undefined) {
    try {
      writeSync(endFd, `${code}\n`)
    } catch {
      // The supervisor is gone: no one is left to tell.
    }
  }
  return exit(code)
}
