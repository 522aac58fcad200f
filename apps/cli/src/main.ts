import {
  CycleError,
  InvalidArgumentError,
  KeyClashError,
  MissingKeyError,
  NotCallableError,
  TaskgraphError,
} from '@taskgraph/core'
import { AggregateTaskError, CancelledError, TaskError } from '@taskgraph/scheduler'
import { inspect } from 'node:util'
import { CommanderError } from 'commander'
import { OutputError, UsageError, WorkflowError } from './cli-errors.js'
import { ExitCode } from './exit-codes.js'
import type { Io } from './io.js'
import { createProgram } from './program.js'
import { STOP_SIGNALS, StopSignal, cancelledLine } from './stop-signals.js'
import { printWarningsAsLines } from './warnings.js'

/** Runs the command line `argv` (as `process.argv`) and returns the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<ExitCode> {
  printWarningsAsLines(io.stderr)
  try {
    await createProgram(io).parseAsync(argv)
    return ExitCode.Ok
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed its one-line reason (or the help / version).
      return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage
    }
    io.stderr.write(describeFailure(error))
    return exitCodeOf(error)
  }
}

function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof CancelledError) {
    const reason = error.cause
    return reason instanceof StopSignal ? STOP_SIGNALS[reason.signal] : ExitCode.Interrupted
  }
  if (error instanceof UsageError) return ExitCode.Usage
  if (error instanceof OutputError) return ExitCode.BadOutput
  if (
    error instanceof WorkflowError ||
    error instanceof KeyClashError ||
    error instanceof CycleError ||
    error instanceof MissingKeyError ||
    error instanceof NotCallableError ||
    error instanceof InvalidArgumentError
  ) {
    return ExitCode.BadWorkflow
  }
  return ExitCode.RunFailed
}

/** The stderr report of a failure: a one-line reason, then where a task failed. */
function describeFailure(error: unknown): string {
  if (error instanceof CancelledError) {
    const reason =
      error.cause instanceof StopSignal ? `stopped by ${error.cause.signal}` : error.message
    return cancelledLine(reason)
  }
  if (error instanceof TaskError)
    return `taskgraph: ${error.message}\n${indentedStack(error.cause)}`
  if (error instanceof AggregateTaskError) {
    return `taskgraph: ${error.errors.length} task(s) failed\n${error.errors
      .map((e) => `- ${e.message}\n${indentedStack(e.cause)}`)
      .join('')}`
  }
  if (error instanceof TaskgraphError) return `taskgraph: error: ${error.message}\n`
  return `taskgraph: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`
}

function indentedStack(cause: unknown): string {
  // Timeouts and data that cannot be copied have nothing underneath to show.
  if (cause === undefined) return ''
  const text =
    cause instanceof Error ? (cause.stack ?? `${cause.name}: ${cause.message}`) : inspect(cause)
  return `${text.replace(/^/gm, '    ')}\n`
}
