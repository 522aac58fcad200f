import { describeValue } from '@taskgraph/core/internal'
import { InvalidTraceError } from './invalid-trace-error.js'

/** What the readers of traces tell the user to give them instead of something else. */
export const TRACE_FIX =
  'Pass a trace written by taskgraph run --trace, writeChromeTrace or toChromeTrace.'

/** A trace of taskgraph's, as its readers take it apart. */
export interface TraceInput {
  readonly traceEvents: unknown[]
  readonly metadata: Record<string, unknown>
}

/**
 * The events and metadata of a trace of taskgraph's: the JSON text of a trace file, or
 * the object `toChromeTrace` returns. `caller` names the reader in errors.
 * @throws {InvalidTraceError} for text that is not JSON, or a value that is not an
 * object of `traceEvents` whose metadata counts its records
 */
export function traceInput(caller: string, trace: unknown): TraceInput {
  const value = typeof trace === 'string' ? parse(caller, trace) : trace
  const { traceEvents, metadata } = (value ?? {}) as { traceEvents?: unknown; metadata?: unknown }
  const records = (metadata as { records?: unknown } | undefined)?.records
  if (
    typeof value !== 'object' ||
    Array.isArray(value) ||
    !Array.isArray(traceEvents) ||
    typeof records !== 'number'
  ) {
    throw new InvalidTraceError({
      message: `${caller}: expected a trace of taskgraph's, { traceEvents: [...], metadata: { records } }, got ${describeTrace(value)}. ${TRACE_FIX}`,
    })
  }
  return { traceEvents, metadata: metadata as Record<string, unknown> }
}

function parse(caller: string, text: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new InvalidTraceError({
      message: `${caller}: the trace is not JSON (${(error as Error).message}). ${TRACE_FIX}`,
      cause: error,
    })
  }
}

function describeTrace(value: unknown): string {
  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value)
  return isObject ? 'an object without them' : describeValue(value)
}
