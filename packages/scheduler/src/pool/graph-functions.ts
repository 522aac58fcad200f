import type { AnyFunction } from '@taskgraph/core'
import {
  functionIn,
  moduleOf,
  refName,
  sourceHash,
  type FunctionRef,
} from '../wire/function-ref.js'

/**
 * On the main thread: the function a ref from a worker names (a task of a graph a task
 * returned there), its module imported first if this thread has not yet. Refuses a ref
 * whose module's source differs here from the worker's: the graph would run other code.
 */
export async function loadOnMainThread(ref: FunctionRef): Promise<AnyFunction | undefined> {
  const url = moduleOf(ref)
  const own = sourceHash(url)
  if (ref.hash !== undefined && own !== undefined && own !== ref.hash) {
    throw new Error(
      `the worker's copy of ${url} is not this thread's (function ${refName(ref)}): its source changed while the run went on`,
    )
  }
  await readyImports()
  return functionIn(ref, (await import(url)) as Record<string, unknown>)
}

let readyImports: () => Promise<void> = () => Promise.resolve()

/**
 * Sets what readies this thread to import the modules of graphs its pools' tasks return:
 * a thread that hands pools stand-ins (stand-ins.ts) has imported none of them, and may
 * not have its TypeScript loader yet (a cluster worker registers it only then).
 */
export function setImportReadiness(ready: () => Promise<void>): void {
  readyImports = ready
}
