import { createRequire } from 'node:module'
import type { DirectedGraph as DirectedGraphClass } from 'graphology'
import type * as Dag from 'graphology-dag'

// graphology and graphology-dag load on first use, not with the package: workers and
// short commands that never draw or check a graph do not pay for them. Both ship
// CommonJS, so they load synchronously and toGraph stays synchronous.
const require = createRequire(import.meta.url)

/** graphology's `DirectedGraph` class. */
export function directedGraph(): typeof DirectedGraphClass {
  return (require('graphology') as { DirectedGraph: typeof DirectedGraphClass }).DirectedGraph
}

/** The graphology-dag algorithms. */
export function dagAlgorithms(): typeof Dag {
  return require('graphology-dag') as typeof Dag
}
