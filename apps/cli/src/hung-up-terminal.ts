// Node 20 restores the terminal's settings as it exits, and aborts (an assertion, a core
// dump, exit code 134) when the terminal has hung up: closing the window or dropping the
// SSH connection of a run filled a redirected stderr with Node's stack instead of
// "stopped by SIGHUP", and ended with 134 instead of 129. Node 22 and later ignore that.
// Node skips a descriptor that is closed: each that hung up is closed first.
// Loads nothing but Node's own modules: every role uses it, the supervisor included.
import { closeSync } from 'node:fs'
import { isatty } from 'node:tty'
import { ExitCode } from './exit-codes.js'

const STDIO = [0, 1, 2] as const

/** stdin, stdout and stderr, those that were terminals when this process started. */
let terminals: readonly number[] = []

/**
 * Has this process close, as it exits, each of its stdin, stdout and stderr that was a
 * terminal when it started and has hung up since; every one of them if it exits as
 * SIGHUP stopped it (exit code 129), as the terminal hangs up.
 */
export function exitCleanlyOnHungUpTerminal(): void {
  // Later Nodes restore what they can and go on: closing would only skip the restore
  // of a terminal still there (one a workflow put in raw mode and then sent SIGHUP).
  if (Number(process.versions.node.split('.')[0]) >= 22) return
  terminals = STDIO.filter((fd) => isatty(fd))
  if (terminals.length === 0) return
  process.on('exit', (code) => closeHungUpTerminals(code === ExitCode.HungUp))
}

/**
 * Closes each of this process's terminals that has hung up (it answers EIO, so it no
 * longer reads as one, and nothing written to it can arrive); with `hangingUp`, each
 * one. The kernel hangs a terminal up in a moment of its own, which may come after
 * SIGHUP was sent and before Node's exit, as the run's processes end: a terminal
 * still answering then may not be a moment later. Call it just before this process
 * ends: by `process.exit()`, or by a signal it raises on itself.
 */
export function closeHungUpTerminals(hangingUp: boolean): void {
  for (const fd of terminals) {
    if (!hangingUp && isatty(fd)) continue
    try {
      closeSync(fd)
    } catch {
      // Closed already: Node skips it too.
    }
  }
  terminals = []
}
