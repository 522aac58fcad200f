import type { FunctionRef } from './function-ref.js'
import type { WireError } from './remote-error.js'

// The messages between a pool executor and its workers. One request carries a batch of
// calls, so many small tasks share one round trip, and names each function once: calls
// refer to it by its place in `functions`.

export interface BatchRequest {
  /** Modules to import before anything else, once per worker. */
  readonly preload: readonly string[]
  /** The functions the calls (and their fused steps) run. */
  readonly functions: readonly FunctionRef[]
  readonly calls: readonly WireCall[]
  /** Modules to import ahead of the calls that will need them (failures are ignored). */
  readonly modules?: readonly string[]
}

export interface WireCall {
  /** Index into the batch's `functions`. */
  readonly fn: number
  readonly args: unknown[]
  /** Tasks fused after this one: each gets the previous result at its holes. */
  readonly steps?: readonly WireStep[]
}

export interface WireStep {
  /** Index into the batch's `functions`. */
  readonly fn: number
  readonly args: unknown[]
  readonly holes: readonly number[]
}

export interface BatchResponse {
  /** One per call, in order. */
  readonly outcomes: readonly WireOutcome[]
}

export type WireOutcome =
  | {
      readonly ok: true
      readonly value: unknown
      /** Milliseconds the call held the worker's thread (an async call: until it awaited). */
      readonly blockingMs: number
    }
  | {
      readonly ok: false
      /** Which step failed: 0 for the call's own task. */
      readonly step: number
      readonly failure: WireFailure
      readonly blockingMs: number
    }

export type WireFailure =
  | { readonly kind: 'threw'; readonly error: WireError }
  /** The worker could not find the function (its module made it differently there). */
  | { readonly kind: 'unreachable'; readonly detail: string }
  | {
      readonly kind: 'not-serializable'
      readonly path: string
      readonly type: string
      readonly reason?: string
    }
