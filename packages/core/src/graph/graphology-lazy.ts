import { createRequire } from 'node:module'
import type { DirectedGraph as DirectedGraphClass } from 'graphology'

// graphology loads on first use, not with the package: workers and short commands that
// never draw a graph do not pay for it. It ships CommonJS, so it loads synchronously and
// toGraph stays synchronous.
const require = createRequire(import.meta.url)

/** graphology's `DirectedGraph` class. */
export function directedGraph(): typeof DirectedGraphClass {
  return (require('graphology') as { DirectedGraph: typeof DirectedGraphClass }).DirectedGraph
}
