// Node 20 restores the terminal's settings as it exits and aborts (an assertion, a core
// dump, exit code 134) when the terminal has hung up: closing the window or dropping the
// SSH connection of a run would fill a redirected stderr with Node's stack instead of
// "stopped by SIGHUP", and end with 134 instead of 129. Node 22 and later ignore that.
// Loads nothing but Node's own modules: every role uses it, the supervisor included.
import { closeSync } from 'node:fs'
import { isatty } from 'node:tty'

const STDIO = [0, 1, 2] as const

/**
 * Has this process close, as it exits, each of its stdin, stdout and stderr that was a
 * terminal when it started and has hung up since: Node skips restoring a closed one.
 */
export function exitCleanlyOnHungUpTerminal(): void {
  const terminals = STDIO.filter((fd) => isatty(fd))
  if (terminals.length === 0) return
  process.on('exit', () => {
    for (const fd of terminals) {
      // A terminal that has hung up answers EIO, so it no longer reads as one; nothing
      // written to it can arrive any more.
      if (isatty(fd)) continue
      try {
        closeSync(fd)
      } catch {
        // Closed already: Node skips it too.
      }
    }
  })
}
