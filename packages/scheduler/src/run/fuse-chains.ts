import type { AnyFunction, TaskOptions } from '@taskgraph/core'
import type { TaskGraph } from '@taskgraph/core/internal'

/** Linear chains to run as one call: `next[i]` follows `i` (-1: none); `fusedIn[j]` marks followers. */
export interface Chains {
  readonly next: Int32Array
  readonly fusedIn: Uint8Array
}

/**
 * Finds linear chains of tasks for a remote executor: task `j` is fused after task `i`
 * when `j` needs nothing but `i`'s result (passed directly as arguments) and nothing but
 * `j` needs `i`'s result. The chain then runs in one worker and its intermediate results
 * never come back to the main thread. Tasks with a timeout are not fused, so each keeps
 * its own time limit (a failed step with retries resumes the chain from there);
 * main-thread tasks stay on the main thread, and tasks the executor would run on the
 * calling thread stay apart.
 */
export function planChains(
  graph: TaskGraph,
  isOutput: Uint8Array,
  optionsOf: (i: number) => TaskOptions,
  canFuse: (fn: AnyFunction) => boolean,
  stored?: (i: number) => boolean,
): Chains {
  const size = graph.size
  const dependents = graph.dependents()
  const next = new Int32Array(size).fill(-1)
  const fusedIn = new Uint8Array(size)
  const fusable = (i: number): boolean => {
    const fn = graph.fn(i)
    if (fn === undefined || graph.runsOnMainThread(i) || !canFuse(fn)) return false
    // A timeout is per task, and a worker cannot tell a step's time from the chain's.
    return optionsOf(i).timeout === undefined
  }
  for (let i = 0; i < size; i++) {
    const first = dependents.start[i]!
    // An output's result must come back from the worker, and one a cache stores from an
    // executor that cannot return a chain's steps (`stored` given then).
    if (isOutput[i] === 1 || dependents.start[i + 1]! - first !== 1 || !fusable(i)) continue
    if (stored?.(i) === true) continue
    const j = dependents.nodes[first]!
    if (graph.depStart[j + 1]! - graph.depStart[j]! !== 1 || !fusable(j)) continue
    if (graph.holes(j) === undefined) continue
    next[i] = j
    fusedIn[j] = 1
  }
  return { next, fusedIn }
}
