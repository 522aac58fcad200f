import { ExitCode } from './exit-codes.js'

/** The signals that stop a run, each with the exit code of a run it stopped: 128 + its number. */
export const STOP_SIGNALS = {
  SIGHUP: ExitCode.HungUp,
  SIGINT: ExitCode.Interrupted,
  SIGTERM: ExitCode.Terminated,
} as const

export type StopSignalName = keyof typeof STOP_SIGNALS

/** The reason a run is cancelled with when a stop signal arrives. */
export class StopSignal extends Error {
  constructor(readonly signal: StopSignalName) {
    super(`received ${signal}`)
  }
}
StopSignal.prototype.name = 'StopSignal'

/** The last line on stderr of a run stopped by `reason` (e.g. "stopped by SIGINT"). */
export function cancelledLine(reason: string): string {
  return `taskgraph: ${reason}; the run was cancelled before it finished\n`
}
