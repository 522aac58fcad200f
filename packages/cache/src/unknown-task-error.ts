import { InvalidArgumentError } from '@taskgraph/core'
import type { TaskGraph } from '@taskgraph/core/internal'

/** A task key asked about that the workflow's graph does not have. */
export class UnknownTaskError extends InvalidArgumentError {
  /** The key asked about. */
  readonly key: string

  constructor(graph: TaskGraph, key: string, caller = 'TaskCache.explain') {
    const near = nearKeys(graph, key)
    // The key a result is stored under (`taskgraph cache ls`'s first column): a hash.
    const stored = /^[0-9a-f]{64}$/.test(key)
      ? ' That is the key a result is stored under; give the key of its task (the task column of taskgraph cache ls).'
      : ''
    super({
      code: 'ERR_UNKNOWN_TASK',
      message: `${caller}: no task of the workflow has the key ${JSON.stringify(key)}${near.length > 0 ? `; keys like it: ${near.join(', ')}` : ''}.${stored} Task keys are in the debug log (--log-level debug), traces and drawings (taskgraph visualize).`,
    })
    this.key = key
  }
}
UnknownTaskError.prototype.name = 'UnknownTaskError'

/** Up to five task keys that start as `key` does (its name part), for the message. */
function nearKeys(graph: TaskGraph, key: string): string[] {
  const prefix = key.split('-')[0]!
  const near: string[] = []
  for (let i = 0; i < graph.size && near.length < 5; i++) {
    if (graph.fn(i) !== undefined && graph.key(i).startsWith(prefix)) near.push(graph.key(i))
  }
  return near
}

// This package's codes, among those of `TaskgraphError#code` (see `TaskgraphErrorCodes`).
declare module '@taskgraph/core' {
  interface TaskgraphErrorCodes {
    ERR_UNKNOWN_TASK: UnknownTaskError
  }
}
