import { readFile } from 'node:fs/promises'
import { InvalidTraceError, readTraceStates, type TraceTaskState } from '@taskgraph/observe'

/**
 * The task states of the trace at `path` (`shown` as the user gave it), for
 * `taskgraph visualize --trace`.
 * @throws {InvalidTraceError} naming the file, when it cannot be read or is not a trace
 * taskgraph wrote
 */
export async function readTraceFile(
  path: string,
  shown: string,
): Promise<Map<string, TraceTaskState>> {
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
    return readTraceStates(text)
  } catch (error) {
    if (!(error instanceof InvalidTraceError)) throw error
    throw new InvalidTraceError({
      message: `taskgraph visualize: cannot use ${shown} as --trace. ${error.message}`,
      cause: error,
    })
  }
}
