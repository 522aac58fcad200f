import { pino, type Logger } from 'pino'
import { exitIfOutputClosed } from './closed-output.js'

/** Levels accepted by `--log-level`. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

/**
 * The CLI's diagnostic log: JSON lines on stderr, so stdout keeps only the result.
 * Written synchronously so nothing is lost when the command exits.
 */
export function createLogger(level: LogLevel): Logger {
  const destination = pino.destination({ dest: 2, sync: true })
  destination.on('error', exitIfOutputClosed)
  return pino({ name: 'taskgraph', level, base: undefined }, destination)
}
