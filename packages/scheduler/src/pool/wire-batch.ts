import type { AnyFunction } from '@taskgraph/core'
import { errorText } from '@taskgraph/core/internal'
import type { TaskCall } from '../executors/executor.js'
import type { WireCall } from '../wire/call.js'
import { findCloneProblem, type CloneProblem } from '../wire/clone-check.js'
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
   * returns why it cannot be sent, leaving it out, if it cannot.
   */
  add(call: TaskCall, refs: readonly FunctionRef[], id: number): CloneProblem | undefined {
    // Most calls: one function, arguments of primitives, which cross as they are.
    // A cache stores its result: the worker checks what a copy of it changes.
    const exact = call.resultChanged === undefined ? undefined : { exact: true as const }
    if (call.steps === undefined && flatPrimitives(call.args)) {
      this.calls.push({ id, fn: this.index(refs[0]!), args: call.args, ...exact })
      return undefined
    }
    let args: unknown[]
    let steps: { args: unknown[]; holes: readonly number[] }[]
    try {
      args = this.encodeArgs(call.args)
      steps = (call.steps ?? []).map((step) => ({
        args: this.encodeArgs(step.args),
        holes: step.holes,
      }))
    } catch (error) {
      // Reading the arguments ran code of the caller's that threw (a getter, a Map's own
      // iterator): structured clone reads them too, and would throw the same. Thrown
      // here, it would end the program: it runs outside any call.
      return {
        path: 'args',
        type: 'a value that throws when read',
        reason: `which structured clone reads: ${errorText(error)}`,
      }
    }
    const problem =
      this.check(args, 'args') ??
      steps.reduce<CloneProblem | undefined>(
        (found, step, i) => found ?? this.check(step.args, `args of step ${i + 1}`),
        undefined,
      )
    if (problem !== undefined) return problem
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

  private check(args: unknown[], path: string): CloneProblem | undefined {
    return flatPrimitives(args)
      ? undefined
      : findCloneProblem(args, path, { sameProcess: this.sameProcess })
  }
}
