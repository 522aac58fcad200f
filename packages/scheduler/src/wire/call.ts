import type { WireError } from './remote-error.js'
import type { WireGraph } from './returned-graph.js'
import type { StepWorth } from './step-worth.js'

/*
 * wire/: the description of a call that any worker can run, a worker thread, a child
 * process, or a process on another machine that takes calls from a queue. Both sides
 * of the boundary import it; it imports nothing of either side.
 *
 * A call is:
 * - its function, named by reference, never sent as code (function-ref.ts): the module's
 *   URL, the function's export name or its place among the functions that module made,
 *   and a hash of the module's source, which the worker checks against its own copy;
 * - its arguments (and, back, its result or error), in one serialization: V8's, as
 *   structured clone uses it (codec.ts), framed for a byte stream (frames.ts), binary
 *   data carried beside the payload rather than copied into it (buffers.ts). Functions
 *   among the arguments cross as references too (function-args.ts). What would not
 *   survive the copy is found first and named by its path (clone-check.ts, over the
 *   walks of data-walk.ts);
 * - for a linear chain fused into one call, the steps after the first, each with the
 *   places where it takes the previous step's result;
 * - its outcome: the value, or a failure (below), errors carried with their name,
 *   message, stack, cause and own properties (remote-error.ts).
 *
 * How calls travel between a pool and its own workers, batched, is messages.ts.
 */

export interface WireCall {
  /** Unique in the pool: names the call in later reports (`LateMessage`). */
  readonly id: number
  /** Index into the batch's `functions`. */
  readonly fn: number
  readonly args: unknown[]
  /** Tasks fused after this one: each gets the previous result at its holes. */
  readonly steps?: readonly WireStep[]
  /** Steps, not the last, whose results go back too (0: the call's own task). */
  readonly wanted?: readonly number[]
  /** For each of `wanted`, how its worker judges whether it is worth sending (`null`: always). */
  readonly worth?: readonly (StepWorth | null)[]
  /**
   * A cache stores the result (the last step's): the worker also looks for what a copy
   * of it would quietly change (`findCloneProblem`'s `exact`), and says so (`changed`).
   * The results of `wanted` steps are always checked so.
   */
  readonly exact?: true
}

export interface WireStep {
  /** Index into the batch's `functions`. */
  readonly fn: number
  readonly args: unknown[]
  readonly holes: readonly number[]
}

export type WireOutcome =
  | {
      readonly ok: true
      readonly value: unknown
      /**
       * For a call checked `exact`: what the copy of `value` the other side reads changed
       * of the result (where and how), if anything; that result is not to be cached.
       */
      readonly changed?: string
      /** Milliseconds the call held the worker's thread (an async call: until it awaited). */
      readonly blockingMs: number
      readonly times?: CallTimes
    }
  | {
      readonly ok: false
      /** Which step failed: 0 for the call's own task. */
      readonly step: number
      readonly failure: WireFailure
      readonly blockingMs: number
      /**
       * For a failed step after the first: the previous step's result, which it was given,
       * so a retry can resume there. Absent when it could not be sent back.
       */
      readonly input?: { readonly value: unknown }
      readonly times?: CallTimes
    }

/**
 * The result of a step a call was asked for (`WireCall.wanted`), sent as the step ends
 * (`StepMessage`), or why it cannot cross; with how long it ran (ms), with the steps
 * before it not asked for since the last one sent (see `StepResult`).
 */
export type WireStepResult =
  | { readonly step: number; readonly value: unknown; readonly durationMs: number }
  | { readonly step: number; readonly problem: string; readonly durationMs: number }
  | { readonly step: number; readonly notWorthKeeping: true; readonly durationMs: number }

/**
 * Where and when a call ran, for a batch that asked (`BatchMessage.timed`): the worker's
 * pid and thread id, then the start and end of each step that ran, in milliseconds since
 * the epoch with a fraction (`performance.timeOrigin + performance.now()` in the worker).
 * Flat, so that a batch of a thousand tiny calls sends a thousand small arrays, no more.
 */
export type CallTimes = readonly number[]

export type WireFailure =
  | { readonly kind: 'threw'; readonly error: WireError }
  /** The worker could not find the function (its module made it differently there). */
  | { readonly kind: 'unreachable'; readonly detail: string }
  /** Importing the function's module did not finish within the load timeout, or threw. */
  | { readonly kind: 'load-failed'; readonly detail: string; readonly limitMs?: number }
  | {
      readonly kind: 'not-serializable'
      readonly path: string
      readonly type: string
      readonly reason?: string
    }
  /** Its promise could never settle: the worker's event loop had nothing left to run. */
  | { readonly kind: 'stalled' }
  /** A promise the task made rejected with nothing to handle it, while the call ran. */
  | { readonly kind: 'unhandled-rejection'; readonly error: WireError }
  /**
   * A step of a fused chain (`step`, not the last) returned a graph: the chain stops
   * there, and its result is that graph, written as data (see returned-graph.ts).
   */
  | { readonly kind: 'returned-graph'; readonly graph: WireGraph }
