#!/usr/bin/env node
import { main } from './main.js'

const code = await main(process.argv, {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
})
// Exit even if a task left timers or sockets open, but only once stdout and stderr
// have drained: process.exit() would cut off a large result written to a pipe.
let pending = 2
const done = (): void => {
  if (--pending === 0) process.exit(code)
}
process.stdout.write('', done)
process.stderr.write('', done)
