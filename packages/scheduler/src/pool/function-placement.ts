import type { AnyFunction } from '@taskgraph/core'
import { isThenable } from '@taskgraph/core/internal'
import type { TaskCall } from '../executors/executor.js'
import { runInTask } from '../executors/task-context.js'
import { TimedOutFault, UnreachableFault } from '../executors/executor-faults.js'
import { flatPrimitives } from '../wire/data-walk.js'
import { findFunctions } from '../wire/function-args.js'
import type { FunctionRef } from '../wire/function-ref.js'
import type { BufferMoves } from './buffer-moves.js'
import type { FunctionLocator } from './function-locator.js'
import { standInRef } from './stand-ins.js'
import {
  UnreachableWarnings,
  argumentFunctions,
  callFunctions,
  runOnMainThread,
} from './main-thread.js'

/**
 * Where a pool executor's calls run: in a worker, when a worker can reach every function
 * the call runs or is passed; on the main thread otherwise, with a warning that says why
 * and how to run it in parallel.
 */
export class FunctionPlacement {
  private readonly warnings: UnreachableWarnings

  constructor(
    private readonly moves: BufferMoves,
    /** The pool's, which its front asks before this placement exists (see `canFuse`). */
    private readonly locator: FunctionLocator,
  ) {
    this.warnings = new UnreachableWarnings(locator)
  }

  /** The modules a worker may import ahead of need. */
  modulesToWarm(): string[] {
    return this.locator.modulesToWarm()
  }

  /** The ref of a function passed as an argument of a call placed in a worker. */
  refOf(fn: TaskCall['fn']): FunctionRef {
    return this.locator.peek(fn)!
  }

  /**
   * The refs of a call's functions (its own, then each fused step's); `null` if a worker
   * cannot reach one of them or a function among the arguments, `undefined` if that is
   * not known yet (`locateAll` finds out).
   */
  refsOf(call: TaskCall): FunctionRef[] | null | undefined {
    // Most calls: one function, and arguments of primitives, which hold none.
    if (call.steps === undefined && flatPrimitives(call.args)) {
      const ref = this.locator.peek(call.fn)
      return ref === undefined || ref === null ? ref : [ref]
    }
    const refs: FunctionRef[] = []
    for (const fn of callFunctions(call)) {
      const ref = this.locator.peek(fn)
      if (ref === undefined || ref === null) return ref
      refs.push(ref)
    }
    for (const fn of argumentFunctions(call)) {
      const ref = this.locator.peek(fn)
      if (ref === undefined || ref === null) return ref
    }
    return refs
  }

  /** Finds out whether a worker can reach each function of `call`. */
  async locateAll(call: TaskCall): Promise<void> {
    for (const fn of [...callFunctions(call), ...argumentFunctions(call)])
      await this.locator.locate(fn)
  }

  /**
   * Runs a call no worker can run here, warning once per function why. Of a fused call,
   * only the step at fault: the call fails with an `UnreachableFault`, on which the run
   * sends that step alone (here) and the others to workers, as it would unfused.
   */
  runUnreachable(call: TaskCall): unknown {
    const step = this.unreachableStep(call)
    if (step !== undefined) {
      return Promise.reject(new UnreachableFault(step, 'no worker can reach a function of it'))
    }
    this.warnings.warnFor(call)
    return this.runHereInTime(call)
  }

  /**
   * The first step of a fused call whose function, or a function passed to it, no
   * worker can reach; `undefined` for a call of one task.
   */
  private unreachableStep(call: TaskCall): number | undefined {
    const steps = call.steps ?? []
    if (steps.length === 0) return undefined
    const argLists = [call.args, ...steps.map((next) => next.args)]
    const unreachable = (fn: AnyFunction): boolean => this.locator.peek(fn) === null
    const step = callFunctions(call).findIndex((fn, at) => {
      const args = argLists[at]!
      return (
        unreachable(fn) || (!flatPrimitives(args) && [...findFunctions(args)].some(unreachable))
      )
    })
    return step === -1 ? undefined : step
  }

  /**
   * Runs here, from now on, the function at `step` of `call`: a worker imported its
   * module but made it differently (`detail`), or has another copy of the module. Of a
   * fused call, only that step: the call fails with an `UnreachableFault`, on which the
   * run sends that step alone (here, now) and the others to workers, as later runs,
   * which no longer fuse it, do.
   */
  runNotFound(call: TaskCall, step: number, detail: string): Promise<unknown> {
    // A stand-in has nothing to run here: the call fails, and the next is sent again.
    if (standInRef(callFunctions(call)[step]!) !== undefined) {
      return Promise.reject(new UnreachableFault(step, detail))
    }
    this.warnings.warnNotFound(call, step, detail)
    if (call.steps !== undefined && call.steps.length > 0) {
      return Promise.reject(new UnreachableFault(step, detail))
    }
    return Promise.resolve().then(() => this.runHereInTime(call))
  }

  /**
   * Runs here a call meant for a worker, held to its timeout as an in-process executor
   * holds it: the run leaves a pool's timeouts to the pool, which ends a worker, and on
   * this thread there is none to end. (A `mainThread` task the run holds to it itself.)
   */
  private runHereInTime(call: TaskCall): unknown {
    const { timeout } = call.options
    if (timeout === undefined) return this.runHere(call)
    const start = performance.now()
    const out = this.runHere(call)
    if (!isThenable(out)) {
      if (performance.now() - start > timeout) throw new TimedOutFault(timeout, 'overran')
      return out
    }
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<never>((_, reject) => {
      const left = Math.max(0, timeout - (performance.now() - start))
      timer = setTimeout(() => reject(new TimedOutFault(timeout, 'abandoned')), left)
    })
    return Promise.race([out, late]).finally(() => clearTimeout(timer))
  }

  /**
   * Runs a call on this thread, in its task's context (see task-context.ts): a call held
   * while its functions were looked up, or for room, starts from another one.
   */
  runHere(call: TaskCall): unknown {
    call.started()
    // Buffers a task here sees are never moved to a worker afterwards.
    this.moves.seenHere(call.args)
    return runInTask(call.lateFailure, runOnMainThread, call)
  }
}
