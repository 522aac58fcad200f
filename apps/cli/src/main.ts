import {
  CycleError,
  InvalidArgumentError,
  KeyClashError,
  MissingKeyError,
  NotCallableError,
} from '@taskgraph/core'
import { DashboardPortError } from '@taskgraph/observe/dashboard-port'
import { CancelledError } from '@taskgraph/scheduler'
import { CommanderError } from 'commander'
import { MissingPackageError, OutputError, WorkflowError } from './cli-errors.js'
import { ExitCode } from './exit-codes.js'
import { describeFailure } from './failure-report.js'
import type { Io } from './io.js'
import type { LogLevel } from './logger.js'
import { createProgram } from './program.js'
import { STOP_SIGNALS, StopSignal } from './stop-signals.js'
import { escapeControls } from './terminal-text.js'
import { stdoutWritten } from './stdout-written.js'
import { printWarningsAsLines } from './warnings.js'

/** Runs the command line `argv` (as `process.argv`) and returns the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<ExitCode> {
  printWarningsAsLines(io.stderr)
  const program = createProgram(io)
  try {
    await program.parseAsync(argv)
    await stdoutWritten(io.stdout)
    return ExitCode.Ok
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed its one-line reason (or the help / version).
      return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage
    }
    const { verbose, logLevel } = program.opts<{ verbose: boolean; logLevel: LogLevel }>()
    const debugging = logLevel === 'debug' || logLevel === 'trace'
    io.stderr.write(escapeControls(describeFailure(error, { verbose: verbose || debugging })))
    return exitCodeOf(error)
  }
}

/** The codes of the cluster's errors that mean it cannot be used, as it is: exit code 5. */
const CLUSTER_CODES = new Set<unknown>([
  'ERR_CLUSTER_UNREACHABLE',
  'ERR_CLUSTER_CONNECTION',
  'ERR_CLUSTER_STORE',
])

/** The codes of the packages' errors that mean the command line must change: exit code 2. */
const USAGE_CODES = new Set<unknown>(['ERR_WORKER_NAME_IN_USE', 'ERR_NOT_A_CACHE'])

function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof CancelledError) {
    const reason = error.cause
    return reason instanceof StopSignal ? STOP_SIGNALS[reason.signal] : ExitCode.Interrupted
  }
  // By code: the cache package loads only when a command needs it.
  if (
    error instanceof OutputError ||
    (error as { code?: unknown } | null)?.code === 'ERR_CACHE_ACCESS'
  ) {
    return ExitCode.BadOutput
  }
  // A port given to --dashboard that another program holds, a --name another worker
  // holds, or a --cache that is not a cache's directory (by code: the cluster and cache
  // packages load only when a command needs them): the command line must change.
  if (
    error instanceof DashboardPortError ||
    USAGE_CODES.has((error as { code?: unknown } | null)?.code)
  ) {
    return ExitCode.Usage
  }
  // By code: the cluster package loads only when a command needs it.
  if (
    error instanceof MissingPackageError ||
    CLUSTER_CODES.has((error as { code?: unknown } | null)?.code)
  ) {
    return ExitCode.ClusterUnavailable
  }
  if (
    error instanceof WorkflowError ||
    // By code, as above: a module given to `taskgraph worker` it cannot serve.
    (error as { code?: unknown } | null)?.code === 'ERR_MODULE_REFUSED' ||
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
