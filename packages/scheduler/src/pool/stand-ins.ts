import type { AnyFunction } from '@taskgraph/core'
import { refName, type FunctionRef } from '../wire/function-ref.js'

/**
 * Functions that stand in, on a thread that never imports their modules, for functions
 * only a pool's workers import. A cluster worker's main thread hands its pool the calls
 * jobs bring without running their modules' code itself: that code then never holds the
 * thread that renews the worker's leases, and a first call does not wait for this thread
 * to ready its TypeScript loader. A pool sends a stand-in's calls by its ref; one its
 * workers cannot find fails with `UnreachableFault`, and never runs here.
 */
const standIns = new WeakMap<AnyFunction, FunctionRef>()

/** A function a pool sends to its workers as `ref`. */
export function standInFor(ref: FunctionRef): AnyFunction {
  const standIn = (): never => {
    throw new Error(`function ${refName(ref)} runs only in a pool's workers`)
  }
  standIns.set(standIn, ref)
  return standIn
}

/** The ref `fn` stands in for, if it is a stand-in. */
export function standInRef(fn: AnyFunction): FunctionRef | undefined {
  return standIns.get(fn)
}
