import { createRequire } from 'node:module'
import type { Logger, pino as Pino } from 'pino'
import { exitIfOutputClosed } from './closed-output.js'

/** Levels accepted by `--log-level`. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

type LineLevel = Exclude<LogLevel, 'silent'>
type Write = (fields: object, message: string) => void

/** The CLI's diagnostic log, as the commands use it. */
export type CliLogger = Record<LineLevel, Write> & {
  isLevelEnabled(level: LineLevel): boolean
}

/**
 * The CLI's diagnostic log: JSON lines on stderr, so stdout keeps only the result.
 * Written synchronously so nothing is lost when the command exits.
 *
 * pino loads with the first line written: at the default level, `warn`, a run writes
 * none, and pino's modules cost some 20 ms of each command's start-up.
 */
export function createLogger(level: LogLevel): CliLogger {
  const rank = LOG_LEVELS.indexOf(level)
  let logger: Logger | undefined
  const open = (): Logger => {
    if (logger !== undefined) return logger
    // pino is CommonJS: required synchronously, where the first line is written.
    const { pino } = createRequire(import.meta.url)('pino') as { pino: typeof Pino }
    const destination = pino.destination({ dest: 2, sync: true })
    destination.on('error', exitIfOutputClosed)
    return (logger = pino({ name: 'taskgraph', level, base: undefined }, destination))
  }
  const enabled = (line: LineLevel): boolean => LOG_LEVELS.indexOf(line) >= rank
  const writer =
    (line: LineLevel): Write =>
    (fields, message) => {
      if (enabled(line)) open()[line](fields, message)
    }
  return {
    isLevelEnabled: enabled,
    trace: writer('trace'),
    debug: writer('debug'),
    info: writer('info'),
    warn: writer('warn'),
    error: writer('error'),
    fatal: writer('fatal'),
  }
}
