// The runner's side of `--json` output (see supervise.ts): the command's stdout may be
// another file descriptor than the runner's own fd 1.
import { createWriteStream, fstatSync } from 'node:fs'
import { Socket } from 'node:net'
import { WriteStream, isatty } from 'node:tty'
import { STDOUT_FD_ENV } from './role.js'

/**
 * The stream the command writes its own output to: the file descriptor the supervisor
 * named in the environment, or else `process.stdout`.
 */
export function commandStdout(): NodeJS.WriteStream {
  const named = process.env[STDOUT_FD_ENV]
  // The run's own child processes (pool workers, a task's `taskgraph run`) write to fd 1.
  delete process.env[STDOUT_FD_ENV]
  if (named === undefined) return process.stdout
  return writeStreamOn(Number(named))
}

/** A stream that writes to `fd`, of the kind Node makes for its stdout on the same file. */
function writeStreamOn(fd: number): NodeJS.WriteStream {
  if (isatty(fd)) return new WriteStream(fd)
  const stat = fstatSync(fd)
  const stream =
    stat.isFIFO() || stat.isSocket()
      ? new Socket({ fd, readable: false, writable: true })
      : createWriteStream('', { fd, autoClose: false })
  // Only its writes are used: `isTTY` and the rest are what a stdout that is no
  // terminal has.
  return stream as unknown as NodeJS.WriteStream
}
