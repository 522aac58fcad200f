import { readFile } from 'node:fs/promises'
import {
  InvalidTraceError,
  readAddedGraphs,
  readTraceStates,
  type AddedGraph,
  type TraceTaskState,
} from '@taskgraph/observe'

/** What `taskgraph visualize --trace` reads of a run's trace. */
export interface TraceFile {
  /** How the run left each task, by key. */
  readonly states: Map<string, TraceTaskState>
  /** The graphs its tasks returned, which the drawing adds. */
  readonly addedGraphs: AddedGraph[]
}

/**
 * The task states and added graphs of the trace at `path` (`shown` as the user gave
 * it), for `taskgraph visualize --trace`.
 * @throws {InvalidTraceError} naming the file, when it cannot be read or is not a trace
 * taskgraph wrote
 */
export async function readTraceFile(path: string, shown: string): Promise<TraceFile> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new InvalidTraceError({
      message: `taskgraph visualize: cannot read the trace ${shown} (${(error as Error).message}). Write one with taskgraph run <workflow> --trace ${shown}, or give the path of one.`,
      cause: error,
    })
  }
  try {
    // Parsed once for both readers: a trace of many tasks is a large text.
    const trace = parseTrace(text)
    return { states: readTraceStates(trace), addedGraphs: readAddedGraphs(trace) }
  } catch (error) {
    if (!(error instanceof InvalidTraceError)) throw error
    throw new InvalidTraceError({
      message: `taskgraph visualize: cannot use ${shown} as --trace. ${error.message}`,
      cause: error,
    })
  }
}

/** The parsed trace, or the text itself when it is not JSON: the readers say why then. */
function parseTrace(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
  }
}
