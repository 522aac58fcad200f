// `taskgraph run` as a supervisor: the command runs in a child process, the runner, and
// this process owns the signals. The inline and async executors run tasks on the
// runner's main thread, and a task that never returns leaves no JavaScript to hear a
// signal there: only another process can still end it. Loads nothing but Node's own
// modules, so it costs one bare Node start-up.
import { spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import type { Readable } from 'node:stream'
import { constants } from 'node:os'
import { ExitCode } from '../exit-codes.js'
import { closeHungUpTerminals } from '../hung-up-terminal.js'
import { STOP_SIGNALS, cancelledLine, type StopSignalName } from '../stop-signals.js'
import { END_FD_ENV, SUPERVISED_ENV } from './role.js'
import { ACKNOWLEDGED_LINE, RESULT, TEMPORARY_LINE, writingIn } from './run-ended.js'

/** The runner's file descriptor where it writes its exit code as the command ends. */
const END_FD = 3
/**
 * How long after the runner's exit its report of its end may still be on its way, once
 * the report's pipe has not closed (a process that a task started holds it open).
 */
const END_REPORT_GRACE_MS = 1_000

/**
 * How long a run may take to stop after SIGTERM or SIGHUP before it is killed. The
 * runner stops within about a second (pools end their workers, killing those that hang
 * after one); 5 s leaves room for that on a loaded machine, and is under the 10 s that
 * `docker stop` and the like wait before their own SIGKILL, which would kill the
 * command before it could end its workers and say why it stopped.
 */
const STOP_GRACE_MS = 5_000

/**
 * A stop signal that comes this soon after the first of its kind is that one again, not
 * a second: a terminal's Ctrl-C reaches every process of its foreground group, and a
 * program of that group that started this one and passes signals on to it (`npx`,
 * `timeout --foreground`) sends it once more. Pressing Ctrl-C twice takes longer.
 */
const SAME_SIGNAL_MS = 500

/** How long the runner has to acknowledge a first Ctrl-C before the user is told why it does not stop. */
const HINT_AFTER_MS = 1_000

/**
 * Runs this command line in a runner and mirrors how it ends. The runner leads a session
 * and process group of its own (`detached`), so what a terminal sends (Ctrl-C, Ctrl-Z, a
 * new size, a hang-up) reaches this process alone and the runner hears it once, from
 * here; and one `kill` of the group ends the runner with every process it started.
 */
export function supervise(): void {
  // Caught from now on: a signal that comes while the runner starts waits for the
  // handlers below (set in this same turn of the event loop) instead of killing this
  // process, and with it the command's hold on the run.
  const early = (): void => {}
  for (const signal of Object.keys(STOP_SIGNALS)) process.on(signal, early)
  // The runner writes the output and ends with 141 when it is closed (closed-output.ts);
  // a line of this process's own to a closed stderr is lost, and the run goes on.
  process.stderr.on('error', () => {})
  const runner = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
    detached: true,
    env: {
      ...process.env,
      [SUPERVISED_ENV]: String(process.pid),
      [END_FD_ENV]: String(END_FD),
    },
  })
  /**
   * What the runner wrote: the temporary files it made (run-ended.ts), and as the command
   * ended, its exit code; no code if something else ended it.
   */
  let endReport = ''
  const endPipe = runner.stdio[END_FD] as Readable | null | undefined
  endPipe?.setEncoding('utf8')
  endPipe?.on('data', (chunk: string) => (endReport += chunk))
  // Read only to its end: this process must not wait for it.
  endPipe?.on('error', () => {})
  const pid = runner.pid
  if (pid === undefined) {
    runner.once('error', (error) => {
      process.stderr.write(`taskgraph: internal error: could not start the run: ${error.message}\n`)
      process.exit(ExitCode.RunFailed)
    })
    return
  }

  /** The first stop signal, forwarded to the runner, and when it came. */
  let stopping: StopSignalName | undefined
  let stoppingAt = 0
  /** The exit code once this process has killed the run. */
  let killed: number | undefined
  let timer: NodeJS.Timeout | undefined

  const group = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-pid, signal)
    } catch (error) {
      // The group is gone once its last process is: nothing to stop.
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
    }
  }
  const killNow = (signal: StopSignalName, why: string): void => {
    if (killed !== undefined) return
    killed = STOP_SIGNALS[signal]
    clearTimeout(timer)
    group('SIGKILL')
    const writing = writingIn(endReport)
    process.stderr.write(
      writing === undefined
        ? `taskgraph: stopped at once ${why}; running tasks were killed\n`
        : `taskgraph: stopped at once ${why}; ${unwritten(writing)}\n`,
    )
  }
  const hint = (): void => {
    if (endReport.split('\n').includes(ACKNOWLEDGED_LINE)) return
    const writing = writingIn(endReport)
    process.stderr.write(
      writing === undefined
        ? 'taskgraph: a task is holding the main thread; press Ctrl-C again to stop at once\n'
        : `taskgraph: the run is over, and ${writing} ${writing.includes(' and ') ? 'are' : 'is'} being written; press Ctrl-C again to stop at once without ${writing.includes(' and ') ? 'them' : 'it'}\n`,
    )
  }
  const onStop = (signal: StopSignalName): void => {
    if (stopping !== undefined) {
      if (signal === stopping && performance.now() - stoppingAt < SAME_SIGNAL_MS) return
      return killNow(signal, `by a second ${signal}`)
    }
    stopping = signal
    stoppingAt = performance.now()
    runner.kill(signal)
    const late = `as the run did not end within ${STOP_GRACE_MS / 1000} s of ${signal}`
    timer =
      signal === 'SIGINT'
        ? setTimeout(hint, HINT_AFTER_MS)
        : setTimeout(() => killNow(signal, late), STOP_GRACE_MS)
  }
  for (const signal of Object.keys(STOP_SIGNALS) as StopSignalName[]) {
    process.on(signal, onStop)
    process.off(signal, early)
  }
  // Job control and the terminal's size reach only the terminal's foreground group.
  process.on('SIGTSTP', () => {
    group('SIGSTOP')
    process.kill(process.pid, 'SIGSTOP')
  })
  process.on('SIGCONT', () => group('SIGCONT'))
  process.on('SIGWINCH', () => runner.kill('SIGWINCH'))

  /** Calls `then` once the runner's report of its end, if it made one, has been read. */
  const afterEndReport = (then: () => void): void => {
    if (endPipe === undefined || endPipe === null || endPipe.readableEnded) return then()
    const grace = setTimeout(then, END_REPORT_GRACE_MS)
    endPipe.once('close', () => {
      clearTimeout(grace)
      then()
    })
  }
  const exitAs = (code: number | null, signal: NodeJS.Signals | null): void => {
    const lines = endReport.split('\n')
    // A file the runner was writing when it was killed (a second Ctrl-C during --trace):
    // one it finished was renamed or removed already.
    for (const line of lines) {
      if (!line.startsWith(TEMPORARY_LINE)) continue
      try {
        rmSync(JSON.parse(line.slice(TEMPORARY_LINE.length)) as string, { force: true })
      } catch {
        // Not removable (its directory gone or read-only): nothing more to do about it.
      }
    }
    if (killed !== undefined) process.exit(killed)
    const commandEnded = lines.some((line) => /^\d+$/.test(line))
    if (code !== null && !commandEnded && stopping !== undefined) {
      // The workflow's own handler of the stop signal ended its process (a clean-up that
      // calls process.exit()): the run stopped as asked, and ends as a stopped run does.
      process.stderr.write(cancelledLine(`stopped by ${stopping}`))
      process.exit(STOP_SIGNALS[stopping])
    }
    if (code !== null && !commandEnded) {
      // The command did not end the runner: a task on inline or async, or the workflow's
      // own code, called process.exit() (or Node ended it, and said why above).
      process.stderr.write(
        `taskgraph: error: the workflow's process exited with code ${code} before the run ended: a task or the workflow's code called process.exit(), or Node ended it (its report, if any, is above). On the inline and async executors tasks run in the command's own process; run them on threads or processes to keep them apart.\n`,
      )
      process.exit(ExitCode.RunFailed)
    }
    if (code !== null) process.exit(code)
    if (signal !== null && signal === stopping) {
      // Forwarded before the runner listened for it, or after it stopped listening, the run
      // over: it ended the runner at once.
      const writing = writingIn(endReport)
      process.stderr.write(
        writing === undefined
          ? cancelledLine(`stopped by ${signal}`)
          : `taskgraph: stopped by ${signal} as the run was over; ${unwritten(writing)}\n`,
      )
      process.exit(STOP_SIGNALS[stopping])
    }
    if (signal !== null) {
      // Something else killed the runner (a task, the OOM killer): end as it did.
      process.removeAllListeners(signal)
      // Node ends on a signal as on process.exit(), restoring the terminal (see
      // hung-up-terminal.ts), but runs no 'exit' listener first.
      closeHungUpTerminals(signal === 'SIGHUP')
      process.kill(process.pid, signal)
    }
    // Only a signal this process survives gets here.
    process.exit(128 + (signal === null ? 0 : (constants.signals[signal] ?? 0)))
  }
  runner.once('exit', (code, signal) => {
    clearTimeout(timer)
    // No process of the run outlives the command: workers, and whatever tasks started.
    group('SIGKILL')
    afterEndReport(() => exitAs(code, signal))
  })
}

/** What a stop cut short of `writing`, what the runner was writing (`announceWriting`). */
function unwritten(writing: string): string {
  if (writing === RESULT) return 'stdout holds only part of the result'
  return `${writing} ${writing.includes(' and ') ? 'were' : 'was'} not written`
}
