import type { FunctionRef } from './function-ref.js'
import type { WireError } from './remote-error.js'

// The messages between a pool executor and its workers, whether worker threads or child
// processes. A batch carries many calls, so small tasks share one round trip, and names
// each function once: calls refer to it by its place in `functions`.

/** The first message a worker gets: what to load before it says it is ready. */
export interface InitMessage {
  readonly type: 'init'
  /** Modules to import before anything else. */
  readonly preload: readonly string[]
  /** Modules to import ahead of the calls that will need them (failures are ignored). */
  readonly modules: readonly string[]
  /** How long an import of a task module may take before calls needing it fail. */
  readonly loadTimeoutMs: number
}

export interface BatchMessage {
  readonly type: 'batch'
  readonly id: number
  /** The functions the calls (and their fused steps) run. */
  readonly functions: readonly FunctionRef[]
  readonly calls: readonly WireCall[]
}

/** The pool is done with the worker: it lets what it printed through, then ends. */
export interface CloseMessage {
  readonly type: 'close'
}

export type ToWorker = InitMessage | BatchMessage | CloseMessage

export interface WireCall {
  /** Unique in the pool: names the call in later reports (`LateMessage`). */
  readonly id: number
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

/** The worker is about to import `url` while getting ready: named if it never finishes. */
export interface LoadingMessage {
  readonly type: 'loading'
  readonly url: string
}

/** The worker imported its preload modules (or could not: `failure`) and takes batches. */
export interface ReadyMessage {
  readonly type: 'ready'
  readonly failure?: string
  /**
   * For each module warmed up, the names of the task functions its import made, in
   * order: the functions this worker is known to find (see `FunctionOrigin`).
   */
  readonly found?: Readonly<Record<string, readonly string[]>>
}

/**
 * The worker begins a batch. A worker runs its batches in the order sent, so when it is
 * lost, the batches it had not begun are known to be blameless.
 */
export interface StartedMessage {
  readonly type: 'started'
  readonly id: number
}

export interface DoneMessage {
  readonly type: 'done'
  readonly id: number
  /** One per call, in order. */
  readonly outcomes: readonly WireOutcome[]
}

/** A promise a call made rejected with nothing to handle it, after the call's outcome was sent. */
export interface LateMessage {
  readonly type: 'late'
  readonly call: number
  readonly error: WireError
}

export type FromWorker = LoadingMessage | ReadyMessage | StartedMessage | DoneMessage | LateMessage

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
      /**
       * For a failed step after the first: the previous step's result, which it was given,
       * so a retry can resume there. Absent when it could not be sent back.
       */
      readonly input?: { readonly value: unknown }
    }

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
