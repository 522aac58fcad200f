import type { WireCall, WireOutcome, WireStepResult } from './call.js'
import type { FunctionRef } from './function-ref.js'
import type { WireError } from './remote-error.js'

// The messages between a pool executor and its workers, whether worker threads or child
// processes. A batch carries many calls (call.ts), so small tasks share one round trip,
// and names each function once: calls refer to it by its place in `functions`.

/** The first message a worker gets: what to load before it says it is ready. */
export interface InitMessage {
  readonly type: 'init'
  /** Modules to import before anything else. */
  readonly preload: readonly string[]
  /**
   * taskgraph's own packages, which task modules import: loaded natively before the
   * worker registers a TypeScript loader (whose hooks make every later import wait on
   * Node's loader thread), so task modules then find them in the module cache.
   */
  readonly packages: readonly string[]
  /**
   * Whether the program loads TypeScript through tsx given as a flag (`--import tsx`),
   * which a worker does not inherit: it then registers tsx before any task module, so a
   * JavaScript module that imports TypeScript loads there as it does in the program.
   */
  readonly typescript: boolean
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
  /** Record where and when each call ran (`WireOutcome.times`): someone reads task records. */
  readonly timed?: boolean
  /**
   * The token of the pool's marks (see marks.ts): functions among the arguments, and
   * graphs the calls return, are marked with it.
   */
  readonly marks: string
}

/** The pool is done with the worker: it lets what it printed through, then ends. */
export interface CloseMessage {
  readonly type: 'close'
}

export type ToWorker = InitMessage | BatchMessage | CloseMessage

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

/** The outcomes of calls of batch `id`. */
export interface BatchOutcomes {
  readonly id: number
  /**
   * The calls (by their place in the batch) the outcomes are of, in the same order; left
   * out, the outcomes are one per call of the batch, in order.
   */
  readonly calls?: readonly number[]
  readonly outcomes: readonly WireOutcome[]
}

/**
 * The last of batch `id` has ended: the outcomes of its calls not told before (see
 * `OutcomesMessage`), or, as a rule, of all of them.
 */
export interface DoneMessage extends BatchOutcomes {
  readonly type: 'done'
}

/**
 * Calls of batch `id` have ended while others of the batch go on, 100 ms or more after it
 * began (see early-outcomes.ts): their outcomes, told before the batch's `DoneMessage`,
 * which leaves them out.
 */
export interface OutcomesMessage extends BatchOutcomes {
  readonly type: 'outcomes'
  readonly calls: readonly number[]
}

/** A promise a call made rejected with nothing to handle it, after the call's outcome was sent. */
export interface LateMessage {
  readonly type: 'late'
  readonly call: number
  readonly error: WireError
  /** Thrown, not a rejection: the worker is ending of it (an uncaught exception). */
  readonly ends?: boolean
}

/** A step of call `call` whose result was asked for has ended: before the call's outcome. */
export interface StepMessage {
  readonly type: 'step'
  readonly call: number
  readonly result: WireStepResult
}

/**
 * Code no call started (a timer or a listener of a module's top-level code) threw with
 * nothing to catch it, or made a promise that rejected with nothing to handle it: the
 * worker ends after saying so, for the pool to report (see `WorkerModuleFault`).
 */
export interface OutsideMessage {
  readonly type: 'outside'
  readonly how: 'exception' | 'rejection'
  readonly error: WireError
}

/** How a worker says it could not read a message it was sent; it then ends. */
export const UNREADABLE = 'could not read a message it was sent'

/**
 * A worker process could not read a message it was sent (`detail` says why: data nested
 * too deeply for its stack, say), and ends: said first, for the pool to report.
 */
export interface UnreadableMessage {
  readonly type: 'unreadable'
  readonly detail: string
}

/**
 * A process warning in the worker (`process.emitWarning` by a task or its modules, or by
 * Node): the pool emits it again on its own thread, where the program's listeners (the
 * command's one-line printer, say) hear it as they hear one of an `inline` run.
 */
export interface WarningMessage {
  readonly type: 'warning'
  readonly name: string
  readonly message: string
  readonly code?: string
  readonly detail?: string
}

export type FromWorker =
  | WarningMessage
  | LoadingMessage
  | ReadyMessage
  | StartedMessage
  | DoneMessage
  | OutcomesMessage
  | LateMessage
  | StepMessage
  | UnreadableMessage
  | OutsideMessage

/**
 * The key of a worker thread's `workerData` that holds its end of the channel to its
 * pool (a `MessagePort`), the only one it reads and answers on.
 */
export const POOL_PORT = 'taskgraphPoolPort'
