import type { AnyFunction } from '@taskgraph/core'
import { UNSENDABLE_PLACE, type NameUnsendable } from '@taskgraph/core/internal'
import { StepFault } from '../executors/executor-faults.js'
import type { TaskCall } from '../executors/executor.js'
import { flatPrimitives, pathOf, walkData, type Place } from '../wire/data-walk.js'
import { findFunctions } from '../wire/function-args.js'
import type { FunctionLocator } from './function-locator.js'

/**
 * Runs a call on this thread: main-thread tasks, and tasks whose function a worker cannot
 * reach. Fused steps run in turn; a failed step after the first is reported with the
 * result it was given, so a retry can resume there.
 */
export function runOnMainThread(call: TaskCall): unknown {
  const steps = call.steps ?? []
  const first: unknown = call.fn(...call.args)
  if (steps.length === 0) return first
  return (async () => {
    let step = 0
    let value: unknown = await first
    try {
      for (const next of steps) {
        step++
        // A fresh argument list per step: the step's own keeps no intermediate result alive.
        const args = next.args.slice()
        for (const hole of next.holes) args[hole] = value
        value = (await next.fn(...args)) as unknown
      }
      return value
    } catch (error) {
      throw new StepFault(step, error, { value })
    }
  })()
}

/**
 * The one warning per function that runs on the main thread because a worker cannot
 * reach it, saying why and how to run it in parallel.
 */
export class UnreachableWarnings {
  private readonly warned = new WeakSet<AnyFunction>()

  constructor(private readonly locator: FunctionLocator) {}

  /** Warns about each function of `call` that a worker cannot reach, once per function. */
  warnFor(call: TaskCall): void {
    callFunctions(call).forEach((fn, step) => {
      if (this.locator.peek(fn) !== null) return
      this.warn(
        fn,
        `task ${JSON.stringify(taskKey(call, step))}: function ${fn.name || taskName(call, step)}`,
      )
    })
    for (const fn of argumentFunctions(call)) {
      if (this.locator.peek(fn) !== null) continue
      this.warn(
        fn,
        `task ${JSON.stringify(call.key)}: function ${fn.name || '(anonymous)'}, ${placeOf(call, fn)},`,
      )
    }
  }

  /**
   * A worker imported the module of the function at `step` but made it differently:
   * it runs here, correctly, from now on.
   */
  warnNotFound(call: TaskCall, step: number, detail: string): void {
    const fn = callFunctions(call)[step]!
    this.locator.markUnreachable(fn)
    if (this.warned.has(fn)) return
    this.warned.add(fn)
    process.emitWarning(
      `task ${JSON.stringify(taskKey(call, step))}: ${detail}, so function ${fn.name || taskName(call, step)} runs on the main thread.`,
      { code: 'TASKGRAPH_MAIN_THREAD' },
    )
  }

  private warn(fn: AnyFunction, what: string): void {
    if (this.warned.has(fn)) return
    this.warned.add(fn)
    const why = this.locator.isFromEntryScript(fn)
      ? `${what} was first handed to taskgraph by the program's entry script, which workers never import (that would run the program again), so it runs on the main thread. ` +
        'To run it in parallel, export it from a module the script imports (workers import that module and take the export), or hand it to taskgraph there, in top-level code (delayed(), new Vectorizer, inbatchParallel).'
      : `${what} was made at run time, where a worker cannot find it, so it runs on the main thread. ` +
        'Hand it to taskgraph (delayed(), bag.from or a bag operation, a properties() definition) in the top-level code of the workflow or of a module it imports, or export it from the workflow or from a module it imports, to run it in parallel.'
    process.emitWarning(why, { code: 'TASKGRAPH_MAIN_THREAD' })
  }
}

/**
 * Where `fn` sits among the arguments of `call`: an item, as the task names it (a bag's
 * task: `item 3 of partition 2`), or an argument.
 */
function placeOf(call: TaskCall, fn: AnyFunction): string {
  const name = (call.fn as { [UNSENDABLE_PLACE]?: NameUnsendable })[UNSENDABLE_PLACE]
  if (name === undefined) return 'passed as an argument'
  let found: Place | undefined
  walkData(
    call.args,
    (value, place) => {
      if (value !== fn) return undefined
      found = place
      return 'stop'
    },
    true,
  )
  const place = found && name('argument', pathOf('args', found), call.args)
  // Only an item is named so: a function the operation was given is its argument.
  return place?.index === undefined ? 'passed as an argument' : place.path
}

/** The task functions a call runs: its own, then each fused step's. */
export function callFunctions(call: TaskCall): AnyFunction[] {
  return [call.fn, ...(call.steps ?? []).map((step) => step.fn)]
}

/** Functions passed as arguments to a call or its fused steps. */
export function argumentFunctions(call: TaskCall): Set<AnyFunction> {
  const found = new Set<AnyFunction>()
  if (!flatPrimitives(call.args)) findFunctions(call.args, found)
  for (const step of call.steps ?? [])
    if (!flatPrimitives(step.args)) findFunctions(step.args, found)
  return found
}

/** The key of the task at `step` of a call (0: the call's own). */
function taskKey(call: TaskCall, step: number): string {
  return step === 0 ? call.key : call.steps![step - 1]!.key
}

/** The name of the task at `step` of a call (0: the call's own). */
function taskName(call: TaskCall, step: number): string {
  return step === 0 ? call.name : call.steps![step - 1]!.name
}
