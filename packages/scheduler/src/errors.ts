import { fileURLToPath } from 'node:url'
import { TaskgraphError, type TaskgraphErrorCode } from '@taskgraph/core'
import { errorText } from '@taskgraph/core/internal'
import { WorkerLostFault } from './executors/executor-faults.js'

/** What every `TaskError` names: the task, and the call that ran it. */
export interface TaskErrorOptions {
  /** Key of the task that failed. */
  readonly key: string
  /** Name of the task's function. */
  readonly functionName: string
  /** The call that ran the task, e.g. `'compute'`: the message starts with it. */
  readonly caller: string
  /** The task's own error, or what else made it fail. */
  readonly cause?: unknown
}

/**
 * A task failed. Names the task's key and function; the original error is `cause`,
 * with its stack. The task's dependents did not run. Subclasses tell how it failed
 * when that was not an exception of its own.
 */
export class TaskError extends TaskgraphError {
  /** Key of the task that failed. */
  readonly key: string
  /** Name of the task's function. */
  readonly functionName: string

  constructor(
    options: TaskErrorOptions & {
      /** @internal For subclasses: their code and what went wrong, after the task's name. */
      readonly report?: { readonly code: TaskgraphErrorCode; readonly message: string }
    },
  ) {
    const { key, functionName, caller, cause } = options
    const named = `${caller}: task ${JSON.stringify(key)} (function ${functionName})`
    const report = options.report ?? {
      code: 'ERR_TASK_FAILED',
      message: `failed: ${causeText(cause)}`,
    }
    super({ code: report.code, message: `${named} ${report.message}`, cause })
    this.key = key
    this.functionName = functionName
    headOf.set(this, options.report === undefined ? `${named} failed` : undefined)
  }
}
TaskError.prototype.name = 'TaskError'

/**
 * A `TaskError`'s message without its cause's text, for one whose cause is that text
 * (`failed: …`): what a chain of them shows of those between its ends.
 */
const headOf = new WeakMap<TaskError, string | undefined>()

/** `value instanceof TaskError`; false for a Proxy whose `getPrototypeOf` trap throws. */
function isTaskError(value: unknown): value is TaskError {
  try {
    return value instanceof TaskError
  } catch {
    return false
  }
}

/** `TaskError`s in a chain of causes past which those between its ends are counted, not shown. */
const SHOWN_IN_CHAIN = 3

/**
 * The text of a `TaskError` that is another's cause: a task that returned a graph whose
 * task failed, or that computed a graph itself. Each level's message holds the next
 * one's, so a chain of them (a task returning a graph of itself, a hundred levels deep
 * before the run's maxDepth stops it) is shown by its first task and the last ones, the
 * others counted.
 */
function taskErrorText(error: TaskError): string {
  const chain: TaskError[] = []
  // A chain that comes back on itself (a cause set by hand) is followed once round.
  for (let at: unknown = error; isTaskError(at) && !chain.includes(at); at = at.cause) {
    chain.push(at)
  }
  const heads = chain.slice(0, -2).map((link) => headOf.get(link))
  if (chain.length <= SHOWN_IN_CHAIN || heads.some((head) => head === undefined)) {
    return `${error.name}: ${error.message}`
  }
  const [last, beforeLast] = [chain.at(-1)!, chain.at(-2)!]
  const between = chain.length - 3
  const more = between === 1 ? '1 more task' : `${between} more tasks`
  return `${error.name}: ${heads[0]!}: … ${more}, each failing as the next did, … ${beforeLast.name}: ${headOf.get(beforeLast) ?? beforeLast.message}: ${last.name}: ${last.message}`
}

/** What to do about a worker process that was aborted (SIGABRT), as Node ends one out of memory. */
const ABORTED_FIX =
  'Node aborts a process so when its heap is full ("JavaScript heap out of memory" on its stderr, if so): hold less data at once in a worker, or give the workers more heap with NODE_OPTIONS=--max-old-space-size=<MB>.'

/**
 * The worker running a task died (it called `process.exit`, threw from a timer, or its
 * process was killed) on every attempt the task's `retries` allowed.
 */
export class WorkerLostError extends TaskError {
  /** How many times the task was tried. */
  readonly attempts: number

  constructor(options: TaskErrorOptions & { readonly attempts: number }) {
    const { attempts, cause } = options
    const lost =
      attempts === 1
        ? `lost its worker (${causeText(cause)}). Other tasks carried on.`
        : `lost its worker on all ${attempts} attempts (${causeText(cause)}). Other tasks carried on.`
    // Node aborts a process whose heap is full: retrying the same data fails the same way.
    const fix =
      cause instanceof WorkerLostFault && cause.aborted
        ? ABORTED_FIX
        : attempts === 1
          ? 'If the loss is transient, allow retries: delayed(fn, { retries }), the run option retries, --retries, or TASKGRAPH_RETRIES (which parallelMap and inbatchParallel runs heed too).'
          : 'A task that ends its worker every time (process.exit, a crash) fails the same way on every retry.'
    super({ ...options, report: { code: 'ERR_WORKER_LOST', message: `${lost} ${fix}` } })
    this.attempts = attempts
  }
}
WorkerLostError.prototype.name = 'WorkerLostError'

const TIMEOUT_OUTCOMES = {
  stopped: 'was stopped by ending its worker.',
  abandoned:
    'was abandoned: an in-process executor cannot stop a running function, so its work may go on in the background.',
  overran:
    "ran to its end, since nothing can interrupt a synchronous function on the calling thread; its result was discarded. Use executor 'threads' or 'processes' to stop such tasks on time.",
} as const

/**
 * A task ran longer than its `timeout`. `how` says what became of it: `'stopped'` (its
 * worker was ended), `'abandoned'` (an in-process executor stopped waiting for its
 * promise, which may still run) or `'overran'` (a synchronous function on an in-process
 * executor, which nothing can interrupt, returned after its time was up; its result was
 * discarded).
 */
export class TimeoutError extends TaskError {
  /** The time limit, in milliseconds. */
  readonly timeoutMs: number
  readonly how: 'stopped' | 'abandoned' | 'overran'

  constructor(
    options: Omit<TaskErrorOptions, 'cause'> & {
      readonly timeoutMs: number
      readonly how: 'stopped' | 'abandoned' | 'overran'
    },
  ) {
    const { timeoutMs, how } = options
    super({
      key: options.key,
      functionName: options.functionName,
      caller: options.caller,
      report: {
        code: 'ERR_TASK_TIMEOUT',
        message: `ran longer than its timeout of ${timeoutMs} ms and ${TIMEOUT_OUTCOMES[how]} Raise the timeout if the task is just slow.`,
      },
    })
    this.timeoutMs = timeoutMs
    this.how = how
  }
}
TimeoutError.prototype.name = 'TimeoutError'

/**
 * A task's promise can never settle: while it was pending, nothing was left in its
 * event loop (no timer, socket, child process or pending I/O) that could settle it.
 */
export class StalledError extends TaskError {
  constructor(options: Omit<TaskErrorOptions, 'cause'>) {
    super({
      key: options.key,
      functionName: options.functionName,
      caller: options.caller,
      report: {
        code: 'ERR_TASK_STALLED',
        message:
          'returned a promise that can never settle: nothing was left to run that could resolve or reject it. ' +
          'Make the function resolve or reject its promise on every path (a callback that is never called, an event that never comes).',
      },
    })
  }
}
StalledError.prototype.name = 'StalledError'

/**
 * A promise the task made rejected and nothing handled the rejection: Node would end
 * the program for it, so the run fails, naming the task. `cause` is the rejection's
 * reason. The task may have returned already; its dependents may have run.
 */
export class UnhandledRejectionError extends TaskError {
  constructor(options: Omit<TaskErrorOptions, 'cause'> & { readonly reason: unknown }) {
    super({
      key: options.key,
      functionName: options.functionName,
      caller: options.caller,
      cause: options.reason,
      report: {
        code: 'ERR_UNHANDLED_REJECTION',
        message:
          `made a promise that rejected with nothing to handle it (${causeText(options.reason)}). ` +
          'Await every promise the task makes, or attach a .catch() to those it lets run on.',
      },
    })
  }
}
UnhandledRejectionError.prototype.name = 'UnhandledRejectionError'

/**
 * A callback the task started (a timer, an event listener) threw and nothing caught the
 * error: on an in-process executor, where Node would end the program for it, the run
 * fails, naming the task. `cause` is the error thrown. The task may have returned
 * already; its dependents may have run.
 */
export class UncaughtExceptionError extends TaskError {
  constructor(options: Omit<TaskErrorOptions, 'cause'> & { readonly error: unknown }) {
    super({
      key: options.key,
      functionName: options.functionName,
      caller: options.caller,
      cause: options.error,
      report: {
        code: 'ERR_UNCAUGHT_EXCEPTION',
        message:
          `started a callback that threw with nothing to catch it (${causeText(options.error)}). ` +
          "Catch errors inside the task's callbacks (timers, event listeners) and reject the task's promise with them.",
      },
    })
  }
}
UncaughtExceptionError.prototype.name = 'UncaughtExceptionError'

/**
 * A task's arguments or result cannot be copied between threads or processes: a
 * function, a symbol, or an object whose class would be lost on the way. Or, on a
 * cluster, an input the process that runs the task cannot read back as another wrote it
 * (a Node of another version, or data nested deeper than its stack reads).
 */
export class SerializationError extends TaskError {
  /** `'argument'` (on the way to a worker) or `'result'` (on the way back). */
  readonly direction: 'argument' | 'result'
  /** Where the value sits, e.g. `args[1].items[3]`. */
  readonly path: string
  /** What the value is, e.g. `an instance of Counter`. */
  readonly valueType: string
  /**
   * For a task that is one of many (a chunk of `parallelMap`, a per-element property, a
   * call of an in-batch function): the index of the item, element or call the value
   * belongs to. Absent for other tasks (declared only, so that they have no such property).
   */
  declare readonly index?: number
  /**
   * For a task of a bag's partition: the partition the value belongs to (`index` is then
   * the item's place in it). Absent for other tasks.
   */
  declare readonly partition?: number

  constructor(
    options: Omit<TaskErrorOptions, 'cause'> & {
      readonly direction: 'argument' | 'result'
      readonly path: string
      readonly valueType: string
      /** The item or element the value belongs to, for a task over many. */
      readonly index?: number | undefined
      /** The bag partition the value belongs to, for a task of one partition. */
      readonly partition?: number | undefined
      /** Why it cannot be copied; by default, that it does not survive a structured clone. */
      readonly reason?: string | undefined
      /** @internal What to do instead, for a task whose function says better (a parallel map's chunk). */
      readonly advice?: string | undefined
      /**
       * @internal What could not be done with the value, after "cannot", for one that was
       * read rather than copied; by default, `be sent to a worker` (an argument) or `send
       * its result back from a worker`.
       */
      readonly failed?: string | undefined
    },
  ) {
    const { direction, path, valueType, reason, advice, failed } = options
    super({
      key: options.key,
      functionName: options.functionName,
      caller: options.caller,
      report: {
        code: 'ERR_NOT_SERIALIZABLE',
        message:
          `cannot ${failed ?? `${direction === 'argument' ? 'be sent to' : 'send its result back from'} a worker`}: ${path} is ${valueType}, ${reason ?? 'which does not survive a structured clone'}. ` +
          (advice ??
            'Pass plain data (objects, arrays, Map, Set, Date, typed arrays, BigInt), ' +
              'or run the task where the graph is computed: delayed(fn, { mainThread: true }) (on a cluster, its driver), or the executor "async" for every task.'),
      },
    })
    this.direction = direction
    this.path = path
    this.valueType = valueType
    if (options.index !== undefined) this.index = options.index
    if (options.partition !== undefined) this.partition = options.partition
  }
}
SerializationError.prototype.name = 'SerializationError'

/**
 * Several tasks failed in a run that finished every task it could (`failFast: false`).
 * `errors` holds one `TaskError` per failed task, in the order they failed.
 */
export class AggregateTaskError extends TaskgraphError {
  /** One `TaskError` per failed task, in the order they failed. */
  readonly errors: readonly TaskError[]

  constructor(options: { readonly errors: readonly TaskError[]; readonly caller: string }) {
    const { errors, caller } = options
    super({
      code: 'ERR_TASKS_FAILED',
      message:
        `${caller}: ${errors.length} task${errors.length === 1 ? '' : 's'} failed: ` +
        errors
          .map(
            (e) =>
              `${JSON.stringify(e.key)} (function ${e.functionName}): ${e.cause === undefined ? e.code : causeText(e.cause)}`,
          )
          .join('; '),
      cause: errors[0],
    })
    this.errors = errors
  }
}
AggregateTaskError.prototype.name = 'AggregateTaskError'

/** The run's executor was closed before the run, or while it was in flight. */
export class ExecutorClosedError extends TaskgraphError {
  constructor(options: { caller: string; executor: string; whileRunning: boolean }) {
    super({
      code: 'ERR_EXECUTOR_CLOSED',
      message: options.whileRunning
        ? `${options.caller}: the ${options.executor} executor was closed while the run was in flight, so the run could not finish. ` +
          'Close an executor only once the runs using it have settled.'
        : `${options.caller}: the ${options.executor} executor is closed and runs nothing more. ` +
          'Make a new executor, or close it only once you are done with it.',
    })
  }
}
ExecutorClosedError.prototype.name = 'ExecutorClosedError'

/**
 * A pool's workers could not start, or could not load a module that task functions come
 * from: the import threw, or had not finished within the pool's `startTimeout` (a
 * top-level await that never settles, say). No task is at fault, so nothing is retried.
 */
export class WorkerStartError extends TaskgraphError {
  constructor(options: {
    caller: string
    executor: string
    detail: string
    limitMs?: number | undefined
    /** The signal that killed a worker while it was starting, if one did. */
    signal?: string | undefined
    cause?: unknown
  }) {
    const fix =
      options.signal === 'SIGABRT'
        ? ABORTED_FIX
        : options.signal !== undefined
          ? `It was killed by ${options.signal}, from outside taskgraph (the system out of memory, or a signal sent to it): run again once the cause is gone.`
          : options.limitMs === undefined
            ? 'Fix the module, or the preload option, so that it imports in a worker.'
            : `A module whose top-level code never finishes (an await that never settles) keeps workers from starting: fix it, or raise startTimeout (--start-timeout or TASKGRAPH_START_TIMEOUT on the command line; now ${options.limitMs} ms) if loading is just slow.`
    super({
      code: 'ERR_WORKER_START',
      message: `${options.caller}: the ${options.executor} executor's workers could not get ready: ${options.detail}. ${fix}`,
      cause: options.cause,
    })
  }
}
WorkerStartError.prototype.name = 'WorkerStartError'

/**
 * Code of a module that a pool's workers import (the workflow's, or a task module's)
 * failed in a worker outside any task: a callback its top-level code started (a timer,
 * a listener) threw with nothing to catch it, or a promise it made rejected with nothing
 * to handle it. The worker died of it, and every worker would: no task is at fault, so
 * nothing is retried. `cause` is the error (a copy of it); `module`, the file it was
 * thrown in, from its stack, when that names one.
 */
export class WorkerModuleError extends TaskgraphError {
  /** The file the error was thrown in, from its stack; `undefined` if it names none. */
  readonly module: string | undefined

  constructor(options: {
    caller: string
    executor: string
    /** `'worker thread'` or `'worker process'`. */
    worker: string
    how: 'exception' | 'rejection'
    error: unknown
  }) {
    const module = thrownIn(options.error)
    const code = module === undefined ? 'code of a module' : `code of module ${module}`
    const what =
      options.how === 'exception'
        ? `a callback it started (a timer, a listener) threw with nothing to catch it`
        : `a promise it made rejected with nothing to handle it`
    super({
      code: 'ERR_WORKER_MODULE',
      message:
        `${options.caller}: the ${options.executor} executor's ${options.worker} died: ${code}, run outside any task, failed there: ${what} (${causeText(options.error)}). ` +
        "Every worker imports the module and would fail the same way, so nothing was retried. Catch errors in the module's top-level callbacks (timers, event listeners) and promises, or start that work only on the main thread.",
      cause: options.error,
    })
    this.module = module
  }
}
WorkerModuleError.prototype.name = 'WorkerModuleError'

/** The file `error` was thrown in: the first frame of its stack that names one. */
function thrownIn(error: unknown): string | undefined {
  const stack = (error as { stack?: unknown } | null)?.stack
  if (typeof stack !== 'string') return undefined
  for (const line of stack.split('\n')) {
    const frame = /^\s*at (?:.*\()?((?:file:\/\/)?(?:\/|[A-Za-z]:[\\/])[^()]*?):\d+:\d+\)?$/.exec(
      line,
    )
    if (frame === null) continue
    const file = frame[1]!
    return file.startsWith('file://') ? fileURLToPath(file) : file
  }
  return undefined
}

/** The run was stopped through its `AbortSignal` before it finished. */
export class CancelledError extends TaskgraphError {
  /** `reason`: the `AbortSignal`'s, kept as `cause`. */
  constructor(options: { readonly caller: string; readonly reason: unknown }) {
    super({
      code: 'ERR_CANCELLED',
      message: `${options.caller}: the run was cancelled (${causeText(options.reason)}); tasks not yet finished were abandoned.`,
      cause: options.reason,
    })
  }
}
CancelledError.prototype.name = 'CancelledError'

/** A short description of a thrown value for messages. */
export function causeText(cause: unknown): string {
  if (isTaskError(cause)) return taskErrorText(cause)
  let isError: boolean
  try {
    isError = cause instanceof Error
  } catch {
    // A Proxy whose `getPrototypeOf` trap throws.
    isError = false
  }
  return isError || typeof cause === 'string'
    ? errorText(cause)
    : `thrown value ${errorText(cause)}`
}

/**
 * A task returned a graph (a `Delayed`) at a depth past the run's `maxDepth`: tasks that
 * return graphs of themselves recursed without end, or deeper than allowed. The cause of
 * the `TaskError` of the task that returned it.
 */
export class DepthLimitError extends TaskgraphError {
  readonly depth: number

  constructor(options: {
    readonly caller: string
    readonly key: string
    readonly maxDepth: number
  }) {
    super({
      code: 'ERR_DEPTH_LIMIT',
      message: `${options.caller}: task ${options.key} returned a graph ${options.maxDepth + 1} levels deep, past the run's maxDepth of ${options.maxDepth}: tasks that return graphs of themselves must reach a case that returns a value. Stop the recursion sooner, or raise maxDepth.`,
    })
    this.depth = options.maxDepth + 1
  }
}
DepthLimitError.prototype.name = 'DepthLimitError'

// This package's codes, among those of `TaskgraphError#code` (see `TaskgraphErrorCodes`).
declare module '@taskgraph/core' {
  interface TaskgraphErrorCodes {
    ERR_TASK_FAILED: TaskError
    ERR_WORKER_LOST: WorkerLostError
    ERR_TASK_TIMEOUT: TimeoutError
    ERR_TASK_STALLED: StalledError
    ERR_UNHANDLED_REJECTION: UnhandledRejectionError
    ERR_UNCAUGHT_EXCEPTION: UncaughtExceptionError
    ERR_NOT_SERIALIZABLE: SerializationError
    ERR_TASKS_FAILED: AggregateTaskError
    ERR_EXECUTOR_CLOSED: ExecutorClosedError
    ERR_WORKER_START: WorkerStartError
    ERR_WORKER_MODULE: WorkerModuleError
    ERR_CANCELLED: CancelledError
    ERR_DEPTH_LIMIT: DepthLimitError
  }
}
