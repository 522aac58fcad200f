import { randomBytes } from 'node:crypto'

// Data crossing between a pool and its workers, or between a cluster's workers and their
// driver, holds marks where something stands in for what a copy cannot carry: a function
// passed as an argument (function-args.ts), a graph a task returned and each of its nodes
// (returned-graph.ts). A mark is a property whose name holds a token random to its pool
// (or driver), carried by that pool's messages alone. A task's data that happens to look
// like a mark is never taken for one; nor is one forged into a cluster's job, where a
// function reference would name code that no module policy checked.

/** The names of the properties that mark what stands in for what a copy cannot carry. */
export interface Marks {
  /** The token the names hold. */
  readonly token: string
  /** A function, by its ref. */
  readonly fn: string
  /** A returned graph written as data. */
  readonly graph: string
  /** A node of a returned graph, where its result goes. */
  readonly node: string
}

/** Marks with a new random token, for one pool's messages. */
export function newMarks(): Marks {
  return marksOf(randomBytes(12).toString('base64url'))
}

/** The marks of `token`. */
export function marksOf(token: string): Marks {
  return {
    token,
    fn: `taskgraph:function:${token}`,
    graph: `taskgraph:graph:${token}`,
    node: `taskgraph:node:${token}`,
  }
}
