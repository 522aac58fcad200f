// What happens when the reader of stdout or stderr goes away (`taskgraph run ... | head`):
// like a Unix tool that SIGPIPE ends, the command stops at once, says nothing (there is
// no one to say it to) and exits with 141. Node ignores SIGPIPE, so a write fails with
// EPIPE instead, which would otherwise crash the process with an unhandled 'error'.
import { isMainThread } from 'node:worker_threads'
import { ExitCode } from './exit-codes.js'
import { exitCommand } from './supervisor/run-ended.js'

/**
 * What a pool's worker process sends the command when it finds their stdout or stderr
 * closed. Not SIGPIPE: a handler for it would also hear a task's write to any other
 * closed pipe or socket, which is the task's to handle. Heard only by a command whose run
 * has worker processes (`hearWorkerProcesses`): another's SIGUSR2 is the workflow's own
 * (a handler of its, Node's --heapsnapshot-signal), not taken for this.
 */
const CLOSED_OUTPUT_SIGNAL = 'SIGUSR2'

function isClosedOutput(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'EPIPE'
}

/**
 * Ends this process with `ExitCode.OutputClosed` when `error` is a write to a closed
 * pipe; any other error is thrown on, as if nothing listened for it.
 */
export function exitIfOutputClosed(error: unknown): void {
  if (!isClosedOutput(error)) throw error
  // Not process.exitCode: the run must not go on. Pool workers end with this process.
  exitCommand(ExitCode.OutputClosed)
}

/**
 * Exits with `code` once stdout and stderr have taken all that was written to them
 * (process.exit() at once would cut off a large result written to a pipe), or with
 * `ExitCode.OutputClosed` if either was found closed: the last writes of a command may
 * fail so just before it exits, ahead of their 'error' event.
 */
export function exitOnceWritten(code: number): void {
  const streams = [process.stdout, process.stderr]
  let closed = streams.some((stream) => isClosedOutput(stream.errored))
  let pending = streams.length
  const done = (error?: Error | null): void => {
    closed ||= isClosedOutput(error)
    if (--pending === 0) exitCommand(closed ? ExitCode.OutputClosed : code)
  }
  for (const stream of streams) stream.write('', done)
}

/**
 * Makes a closed stdout or stderr end this process quietly, whether this process wrote
 * to it (EPIPE) or one of its worker processes did (`reportClosedOutput`).
 */
export function exitOnClosedOutput(): void {
  // Another failed write to stdout (a full disk) fails the command once it has written
  // its output (stdout-written.ts), with an error on stderr, which still works.
  process.stdout.on('error', (error) => {
    if (isClosedOutput(error)) exitIfOutputClosed(error)
  })
  // Another failure of stderr (a full disk, EIO once the terminal is gone) leaves the
  // command nothing to say it on: the run ends as it would have, with its own code.
  process.stderr.on('error', (error) => {
    if (isClosedOutput(error)) exitIfOutputClosed(error)
  })
  // Listened to in every case, so that it never ends the command as its default action
  // would; heard only from worker processes (see `hearWorkerProcesses`).
  process.on(CLOSED_OUTPUT_SIGNAL, () => {
    if (hearing) exitCommand(ExitCode.OutputClosed)
  })
}

let hearing = false

/**
 * Has this process take a SIGUSR2 for its worker processes' word of a closed stdout or
 * stderr (`reportClosedOutput`): for a run on the processes executor. Elsewhere, a
 * worker process the workflow starts itself that finds them closed is not heard, and the
 * command ends when it writes to them itself.
 */
export function hearWorkerProcesses(): void {
  hearing = true
}

/**
 * In a pool's worker process, whose stdout and stderr are those of the command: a task
 * that prints to a closed one tells the command, which ends the run (`exitOnClosedOutput`),
 * instead of crashing its worker. Nothing in a worker thread, whose output the command
 * writes itself.
 */
export function reportClosedOutput(): void {
  if (!isMainThread) return
  const parent = process.ppid
  const report = (error: unknown): void => {
    // Another failure (a full disk) is no fault of the task's: what it writes is lost,
    // as the command's own writes to the stream are, which the command reports
    // (stdout-written.ts).
    if (!isClosedOutput(error)) return
    // Once its parent is gone, this process is ending and the pid may be another's.
    if (process.ppid === parent) process.kill(parent, CLOSED_OUTPUT_SIGNAL)
  }
  process.stdout.on('error', report)
  process.stderr.on('error', report)
}
