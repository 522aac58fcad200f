import type { AnyFunction } from '@taskgraph/core'
import type { TaskCall } from '../executors/executor.js'
import type { WireCall } from '../wire/call.js'
import {
  findCallProblem,
  findCloneProblem,
  readProblem,
  type CallProblem,
  type CloneProblem,
} from '../wire/clone-check.js'
import { flatPrimitives } from '../wire/data-walk.js'
import { encodeFunctions } from '../wire/function-args.js'
import type { FunctionRef } from '../wire/function-ref.js'
import type { Marks } from '../wire/marks.js'

/**
 * Calls as they cross to a worker, in one batch: each function named once in the batch's
 * table, functions among the arguments by ref. A call whose arguments cannot be copied
 * is left out, with what is wrong (`problems`), so the others still go.
 */
export class WireBatch {
  readonly functions: FunctionRef[] = []
  readonly calls: WireCall[] = []
  private readonly indexOf = new Map<FunctionRef, number>()

  constructor(
    /** Refs of functions passed as arguments (all known: the call was placed in a worker). */
    private readonly refOf: (fn: AnyFunction) => FunctionRef,
    /** The worker is a thread of this process (it can share memory and take a Blob). */
    private readonly sameProcess: boolean,
    /** The pool's marks: functions among the arguments are marked with them. */
    readonly marks: Marks,
  ) {}

  /**
   * Adds a call (its function's ref, then each fused step's, in `refs`) as call `id`;
   * returns why it cannot be sent, leaving it out, if it cannot: what is wrong, and in the
   * arguments of which step (0: the call's own task).
   */
  add(call: TaskCall, refs: readonly FunctionRef[], id: number): CallProblem | undefined {
    // Most calls: one function, arguments of primitives, which cross as they are.
    // A cache stores its result: the worker checks what a copy of it changes.
    const exact = call.resultChanged === undefined ? undefined : { exact: true as const }
    if (call.steps === undefined && flatPrimitives(call.args)) {
      this.calls.push({ id, fn: this.index(refs[0]!), args: call.args, ...exact })
      return undefined
    }
    let step = 0
    let args: unknown[]
    const steps: { args: unknown[]; holes: readonly number[] }[] = []
    try {
      args = this.encodeArgs(call.args)
      for (const fused of call.steps ?? []) {
        step++
        steps.push({ args: this.encodeArgs(fused.args), holes: fused.holes })
      }
    } catch (error) {
      // Thrown here, it would end the program: it runs outside any call.
      return readProblem(step, error)
    }
    // Each step's arguments are checked as its own call's would be: a step at fault is
    // reported as itself (see `UnsendableStepFault`).
    const found = findCallProblem(args, steps, this.check)
    if (found !== undefined) return found
    const fn = this.index(refs[0]!)
    this.calls.push(
      call.steps === undefined
        ? { id, fn, args, ...exact }
        : {
            id,
            fn,
            args,
            steps: steps.map((step, i) => ({ ...step, fn: this.index(refs[i + 1]!) })),
            ...(call.stepsWanted !== undefined && { wanted: call.stepsWanted }),
            ...(call.stepWorth !== undefined && { worth: call.stepWorth }),
            ...exact,
          },
    )
    return undefined
  }

  private index(ref: FunctionRef): number {
    let i = this.indexOf.get(ref)
    if (i === undefined) {
      i = this.functions.push(ref) - 1
      this.indexOf.set(ref, i)
    }
    return i
  }

  private encodeArgs(args: unknown[]): unknown[] {
    if (flatPrimitives(args)) return args
    return encodeFunctions(args, this.refOf, this.marks.fn) as unknown[]
  }

  private readonly check = (args: readonly unknown[]): CloneProblem | undefined =>
    flatPrimitives(args)
      ? undefined
      : findCloneProblem(args, 'args', { sameProcess: this.sameProcess })
}
