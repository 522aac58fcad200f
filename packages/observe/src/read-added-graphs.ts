import type { AddedGraph } from './chrome-trace.js'
import { InvalidTraceError } from './invalid-trace-error.js'
import { TRACE_FIX, traceInput } from './trace-input.js'

/**
 * The graphs tasks returned while a run ran, read from its trace (the JSON text of a
 * trace file, or the object `toChromeTrace` returns), in the order the run added them;
 * none for a trace of a run whose tasks returned none. What `withAddedGraphs` and
 * `visualize`'s `addedGraphs` take, to draw a finished run with its added tasks.
 * @example toDot(withAddedGraphs(toGraph(total), readAddedGraphs(trace)), { color: 'status', taskStates: readTraceStates(trace) })
 * @throws {InvalidTraceError} for text that is not JSON, a value that is not a trace
 * taskgraph wrote, or added graphs not of the form it writes
 */
export function readAddedGraphs(trace: unknown): AddedGraph[] {
  const { metadata } = traceInput('readAddedGraphs', trace)
  const graphs = metadata.addedGraphs
  if (graphs === undefined) return []
  if (!Array.isArray(graphs)) throw malformed('metadata.addedGraphs is not an array')
  graphs.forEach((graph: unknown, index) => checkGraph(graph, index))
  return graphs as AddedGraph[]
}

function checkGraph(graph: unknown, index: number): void {
  const at = `metadata.addedGraphs[${index}]`
  const { parent, tasks, results } = (graph ?? {}) as Record<string, unknown>
  if (typeof parent !== 'string') throw malformed(`${at}.parent is not a task key`)
  if (!isKeys(results)) throw malformed(`${at}.results is not an array of task keys`)
  if (!Array.isArray(tasks)) throw malformed(`${at}.tasks is not an array`)
  tasks.forEach((task: unknown, t) => {
    const { key, name, kind, dependencies } = (task ?? {}) as Record<string, unknown>
    if (
      typeof key !== 'string' ||
      typeof name !== 'string' ||
      (kind !== 'task' && kind !== 'data') ||
      !isKeys(dependencies)
    ) {
      throw malformed(
        `${at}.tasks[${t}] is not { key, name, kind: 'task' | 'data', dependencies: [keys] }`,
      )
    }
  })
}

function isKeys(value: unknown): boolean {
  return Array.isArray(value) && value.every((key) => typeof key === 'string')
}

function malformed(problem: string): InvalidTraceError {
  return new InvalidTraceError({ message: `readAddedGraphs: ${problem}. ${TRACE_FIX}` })
}
