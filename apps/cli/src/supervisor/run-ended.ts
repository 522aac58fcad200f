// How the runner tells its supervisor that the command, not the workflow, ends it: a
// task on the inline or async executor shares the runner's process, and its
// process.exit() would otherwise pass for the command's own exit (see supervise.ts).
// The same pipe names the temporary files the runner makes, which the supervisor removes
// if it kills the runner before it could (a second Ctrl-C while the trace is written).
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
  tellSupervisor(`${code}\n`)
  return exit(code)
}

/** Line of the end report naming a temporary file, followed by its path as JSON. */
export const TEMPORARY_LINE = 'temporary '

/**
 * Tells a supervisor of a file this process is about to make and then rename or remove,
 * so that it removes the file if this process is killed first. Nothing when unsupervised.
 */
export function announceTemporary(path: string): void {
  tellSupervisor(`${TEMPORARY_LINE}${JSON.stringify(path)}\n`)
}

/** Line of the end report saying that a stop signal reached the run (`acknowledgeStop`). */
export const ACKNOWLEDGED_LINE = 'acknowledged'

/**
 * Tells a supervisor that a stop signal reached the run's JavaScript: its main thread is
 * free and the run is stopping. On the pipe, not by a signal: a signal to a process is
 * heard by everything in it that listens (a workflow's own SIGUSR2 handler, Node's
 * --heapsnapshot-signal), and taken for theirs.
 */
export function announceAcknowledged(): void {
  tellSupervisor(`${ACKNOWLEDGED_LINE}\n`)
}

/** Line of the end report saying what the runner writes now, the run over, as JSON. */
export const WRITING_LINE = 'writing '

/**
 * Tells a supervisor that the run is over and this process now writes `what` (the trace,
 * the report), which may hold its main thread a while: a Ctrl-C then waits for it, and
 * the supervisor says so rather than blame a task.
 */
export function announceWriting(what: string): void {
  tellSupervisor(`${WRITING_LINE}${JSON.stringify(what)}\n`)
}

/** What `announceWriting` names while the runner writes the run's result to stdout. */
export const RESULT = 'the result'

/** What the runner said it was writing (`announceWriting`), in an end report so far. */
export function writingIn(report: string): string | undefined {
  let what: string | undefined
  // Whole lines only: what follows the last newline may still be on its way.
  for (const line of report.split('\n').slice(0, -1)) {
    if (!line.startsWith(WRITING_LINE)) continue
    try {
      what = String(JSON.parse(line.slice(WRITING_LINE.length)))
    } catch {
      // Not the runner's (nothing else writes there): not taken for what it writes.
    }
  }
  return what
}

function tellSupervisor(line: string): void {
  if (endFd === undefined) return
  try {
    writeSync(endFd, line)
  } catch {
    // The supervisor is gone: no one is left to tell.
  }
}
