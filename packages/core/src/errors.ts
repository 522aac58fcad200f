import { inspect } from 'node:util'

/**
 * The error typology of taskgraph. Every error a user can cause is a subclass of
 * `TaskgraphError` with a stable `code`; messages name the call, the problem and the fix.
 * Match on the class or on `code`, never on the message.
 */
export class TaskgraphError extends Error {
  /** Stable machine-readable code, e.g. `ERR_KEY_CLASH`: one of `TaskgraphErrorCode`. */
  readonly code: TaskgraphErrorCode

  constructor({ code, message, ...options }: ErrorInit & { code: TaskgraphErrorCode }) {
    // `cause` only when given, so an error without one has no `cause` property at all.
    super(message, 'cause' in options ? { cause: options.cause } : undefined)
    this.code = code
  }
}
// `name` lives on each prototype (not as an instance field) so that stack traces,
// which V8 formats from the prototype chain, show the subclass name.
TaskgraphError.prototype.name = 'TaskgraphError'

/**
 * Every code of taskgraph's errors, each with the class (or classes) that has it. Each
 * package adds its own here (`declare module '@taskgraph/core'`), so `TaskgraphError#code`
 * is the union of the codes of the packages a program has, and a misspelt code compared
 * with it is a type error rather than a test that never matches.
 */
export interface TaskgraphErrorCodes {
  ERR_NOT_CALLABLE: NotCallableError
  ERR_INVALID_ARGUMENT: InvalidArgumentError
  ERR_INVALID_OPTION: InvalidOptionError
  ERR_KEY_CLASH: KeyClashError
  ERR_GRAPH_CYCLE: CycleError
  ERR_MISSING_KEY: MissingKeyError
  ERR_NO_SCHEDULER: NoSchedulerError
}

/** The `code` of a `TaskgraphError`: `'ERR_KEY_CLASH'`, `'ERR_TASK_FAILED'`, … */
export type TaskgraphErrorCode = keyof TaskgraphErrorCodes

/**
 * What every taskgraph error is made with, as one object: the message (which names the
 * call, the problem and the fix) and, for an error that wraps another, its `cause`.
 */
export interface ErrorInit {
  readonly message: string
  readonly cause?: unknown
}

/** A function was expected (e.g. by `delayed`) but something else was given. */
export class NotCallableError extends TaskgraphError {
  constructor(init: ErrorInit) {
    super({ ...init, code: 'ERR_NOT_CALLABLE' })
  }
}
NotCallableError.prototype.name = 'NotCallableError'

/** An argument or option of a taskgraph call is invalid. */
export class InvalidArgumentError extends TaskgraphError {
  /** `code` is for subclasses; @default 'ERR_INVALID_ARGUMENT' */
  constructor({
    code = 'ERR_INVALID_ARGUMENT',
    ...init
  }: ErrorInit & { code?: TaskgraphErrorCode }) {
    super({ ...init, code })
  }
}
InvalidArgumentError.prototype.name = 'InvalidArgumentError'

/** An option passed to a taskgraph call has an invalid value or an unknown name. */
export class InvalidOptionError extends InvalidArgumentError {
  constructor(init: ErrorInit) {
    super({ ...init, code: 'ERR_INVALID_OPTION' })
  }
}
InvalidOptionError.prototype.name = 'InvalidOptionError'

/** Two different tasks were given the same key in one graph. */
export class KeyClashError extends TaskgraphError {
  /** The key both tasks have. */
  readonly key: string

  constructor({ key, ...init }: ErrorInit & { key: string }) {
    super({ ...init, code: 'ERR_KEY_CLASH' })
    this.key = key
  }
}
KeyClashError.prototype.name = 'KeyClashError'

/** The tasks of a graph depend on each other in a loop. */
export class CycleError extends TaskgraphError {
  /** The keys along one cycle, first key repeated at the end. */
  readonly cycle: readonly string[]

  constructor({ cycle, ...init }: ErrorInit & { cycle: readonly string[] }) {
    super({ ...init, code: 'ERR_GRAPH_CYCLE' })
    this.cycle = cycle
  }
}
CycleError.prototype.name = 'CycleError'

/** A graph spec refers to a key it does not define. */
export class MissingKeyError extends TaskgraphError {
  /** The key the spec refers to. */
  readonly key: string

  constructor({ key, ...init }: ErrorInit & { key: string }) {
    super({ ...init, code: 'ERR_MISSING_KEY' })
    this.key = key
  }
}
MissingKeyError.prototype.name = 'MissingKeyError'

/** `Delayed#compute` was called but no scheduler has been loaded. */
export class NoSchedulerError extends TaskgraphError {
  constructor(init: ErrorInit) {
    super({ ...init, code: 'ERR_NO_SCHEDULER' })
  }
}
NoSchedulerError.prototype.name = 'NoSchedulerError'

/**
 * A thrown value in a few words, for messages: `Name: message`, or its text. Never
 * throws: a value whose text cannot be read (a getter or a `toString` that throws, an
 * object without a prototype) is described by its type instead.
 */
export function errorText(error: unknown): string {
  try {
    if (error instanceof Error) return `${error.name}: ${error.message}`
    // As it is written: `throw 10n` is not `throw 10`.
    if (typeof error === 'bigint') return `${error}n`
    const text = String(error)
    // An object without a `toString` of its own (`throw { status: 404, reason }`) says
    // nothing as text: what it holds does, written as Node writes it (getters unread).
    return text === '[object Object]' ? shortInspect(error) : text
  } catch {
    return describeValue(error)
  }
}

// The most of a thrown object's text a message holds.
const MAX_INSPECTED_CHARS = 300

function shortInspect(value: unknown): string {
  const text = inspect(value, {
    depth: 2,
    breakLength: Infinity,
    maxArrayLength: 10,
    maxStringLength: 100,
  })
  return text.length <= MAX_INSPECTED_CHARS ? text : `${text.slice(0, MAX_INSPECTED_CHARS)}…`
}

/** A short, readable description of a value's type for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  try {
    if (Array.isArray(value)) return 'an array'
  } catch {
    return 'a revoked Proxy'
  }
  switch (typeof value) {
    case 'string':
      return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`
    case 'number':
    case 'boolean':
      return `a ${typeof value} (${String(value)})`
    case 'bigint':
      return `a bigint (${value}n)`
    case 'undefined':
      return 'undefined'
    case 'symbol':
      return `a symbol (${String(value)})`
    default:
      // A Proxy's traps, and getters, run as it is looked at, and may throw.
      try {
        return describeObject(value)
      } catch {
        return `${typeof value === 'function' ? 'a function' : 'an object'} that throws when looked at (a Proxy?)`
      }
  }
}

function describeObject(value: object): string {
  if (typeof value === 'function') return `a function (${value.name || 'anonymous'})`
  const ctor = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)
    ?.constructor?.name
  return ctor && ctor !== 'Object' ? `an instance of ${ctor}` : 'an object'
}
