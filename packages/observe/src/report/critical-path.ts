import { createRequire } from 'node:module'
import type { TaskGraphology } from '@taskgraph/core'
import type * as Dag from 'graphology-dag'
import type { ReportData } from './report-data.js'

/** The longest chain of tasks the run had to go through one after another. */
export interface CriticalPath {
  /** The chain's task keys, from the first to run to the last. */
  readonly keys: readonly string[]
  /** Each task's length on it (its last attempt), in whole microseconds, as `keys`. */
  readonly durationsUs: readonly number[]
  /** Their sum: no schedule on any number of workers could have run them faster. */
  readonly lengthUs: number
}

// graphology-dag loads on first use (as in core): workers import this package too, and
// never draw a report.
const require = createRequire(import.meta.url)

/**
 * The longest path through `graph` (from `toGraph`), each task weighing as long as its
 * last attempt ran in `data`: data nodes, and tasks that never ran, weigh nothing.
 */
export function criticalPath(graph: TaskGraphology, data: ReportData): CriticalPath {
  const weights = lastAttempts(data)
  const { topologicalSort } = require('graphology-dag') as typeof Dag
  const longest = new Map<string, number>()
  const previous = new Map<string, string>()
  let end: string | undefined
  for (const node of topologicalSort(graph)) {
    let best = 0
    graph.forEachInNeighbor(node, (dependency) => {
      const length = longest.get(dependency)!
      // Strictly longer: a path does not start with tasks that took no time.
      if (length > best) {
        best = length
        previous.set(node, dependency)
      }
    })
    const weight = graph.getNodeAttribute(node, 'kind') === 'task' ? (weights.get(node) ?? 0) : 0
    longest.set(node, best + weight)
    // As long or longer: tasks at the chain's end that took no time (under a microsecond)
    // are on it too, the target among them; but not those that never ran (after a
    // failure, or a stop), which the run did not go through.
    const length = longest.get(end ?? node)!
    if (
      end === undefined ||
      best + weight > length ||
      (best + weight === length && weights.has(node))
    )
      end = node
  }
  const keys: string[] = []
  for (let node = end; node !== undefined; node = previous.get(node)) {
    if (graph.getNodeAttribute(node, 'kind') === 'task') keys.push(node)
  }
  keys.reverse()
  const durationsUs = keys.map((key) => weights.get(key) ?? 0)
  return { keys, durationsUs, lengthUs: end === undefined ? 0 : longest.get(end)! }
}

/** How long each task's last attempt ran, by key. */
function lastAttempts(data: ReportData): Map<string, number> {
  const attempts = new Map<string, number>()
  const durations = new Map<string, number>()
  data.keys.forEach((key, row) => {
    const attempt = data.attempt[row]!
    if (attempt < (attempts.get(key) ?? -Infinity)) return
    attempts.set(key, attempt)
    durations.set(key, data.duration[row]!)
  })
  return durations
}
