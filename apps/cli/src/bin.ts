#!/usr/bin/env node
// `taskgraph run` starts as a supervisor (supervisor/supervise.ts) that runs the command in
// a child process, the runner; other commands run here. Only the supervisor's own small
// modules load before it starts the runner: the library, commander, pino and tsx load in
// the process that runs the command.
import module from 'node:module'
import { exitOnClosedOutput, exitOnceWritten } from './closed-output.js'
import { exitCleanlyOnHungUpTerminal } from './hung-up-terminal.js'
import { roleOf } from './supervisor/role.js'
import { takeEndFd } from './supervisor/run-ended.js'
import { supervise } from './supervisor/supervise.js'

// Node keeps the code it compiles for the command's modules, and the next run reuses it
// (Node 22.1+; as the pools' worker entries do, in @taskgraph/scheduler's compile-cache.ts,
// which the supervisor does not load). A directory that cannot be written leaves it off.
try {
  ;(module as { enableCompileCache?: () => unknown }).enableCompileCache?.()
} catch {
  // Modules compile as they would without it.
}

exitCleanlyOnHungUpTerminal()

const role = roleOf(process.argv, process.env, process.execArgv)
if (role === 'supervisor') {
  supervise()
} else {
  if (role === 'runner') takeEndFd()
  exitOnClosedOutput()
  // The runner starts watching its supervisor while the command's modules load.
  const loading = import('./main.js')
  if (role === 'runner') {
    const { startRunner } = await import('./supervisor/runner.js')
    startRunner()
  }
  const { main } = await loading
  const code = await main(process.argv, {
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
  })
  // Exit even if a task left timers or sockets open, once the output is written.
  exitOnceWritten(code)
}
