import { delayed, type AnyFunction } from '@taskgraph/core'
import { isThenable } from '@taskgraph/core/internal'
import type { SerializationError, TaskError, TaskErrorOptions } from '@taskgraph/scheduler'
import { FAILURE_REPORT, NotSerializableFault } from '@taskgraph/scheduler/internal'
import { unsendableValue } from '../unsendable-value.js'
import { indexedFailure, readIndexedFailure } from '../indexed-failure.js'
import { keep, load, removeCache, type CacheSlot } from './disk-cache.js'
import { PropertyElementError } from './property-element-error.js'

// The task functions of a properties graph. Each takes the property's function as an
// argument, so a per-element task runs in a worker that finds both: this module's
// functions are made here, at top level, and the property's in the module defining it.
// Values that are not known when the graph is built come last, directly as arguments,
// so a chain of per-element tasks (one element's `tmpResult` then `result`) can be
// fused into one call by the scheduler.

/** How a task builds what its function sees, and where its value goes if too large. */
export interface TaskPlan {
  /** Names of the values passed after `known`, in order. */
  readonly names: readonly string[]
  /** For a whole-batch task: which of them are arrays of per-element values. */
  readonly stacked?: readonly boolean[]
  readonly cache?: CacheSlot | undefined
  /** For a per-element task: the element's index in the batch, named when `fn` fails. */
  readonly element?: number
  /**
   * For a per-element task: the names whose value is the element's own (of a batched
   * field or a per-element property), so a value that cannot be sent is named `data[2]`.
   */
  readonly own?: readonly string[]
}

/** What the final task assembles: the requested properties, and the graph's directory. */
export interface CollectPlan {
  readonly names: readonly string[]
  readonly stacked: readonly boolean[]
  /** Removed once the values are read. */
  readonly cacheDir: string | undefined
}

/** One property of one element (or of the whole batch): calls `fn` with its view. */
function computeProperty(
  fn: AnyFunction,
  plan: TaskPlan,
  known: Readonly<Record<string, unknown>>,
  ...values: unknown[]
): unknown {
  const view: Record<string, unknown> = { ...known }
  const read = (value: unknown): unknown => load(value, plan.cache?.dir)
  plan.names.forEach((name, k) => {
    const value = values[k]
    setOwn(view, name, plan.stacked?.[k] === true ? (value as unknown[]).map(read) : read(value))
  })
  const result = plan.element === undefined ? (fn(view) as unknown) : callOn(plan.element, fn, view)
  const { cache } = plan
  if (cache === undefined) return result
  return isThenable(result)
    ? Promise.resolve(result).then((v) => keep(v, cache))
    : keep(result, cache)
}

/**
 * `fn(view)`, what it throws or rejects with thrown as an `indexedFailure` naming the
 * element, which the run reports as a `PropertyElementError` (see `reportElementFailure`).
 */
function callOn(element: number, fn: AnyFunction, view: unknown): unknown {
  let result: unknown
  try {
    result = fn(view)
  } catch (error) {
    throw indexedFailure(element, error)
  }
  if (!isThenable(result)) return result
  return Promise.resolve(result).catch((error: unknown) => {
    throw indexedFailure(element, error)
  })
}

/**
 * How a run reports a per-element task's failure, whichever call computes it: naming the
 * element. What its function threw is a `PropertyElementError`; a value a worker could
 * not be sent or send back, a `SerializationError` naming the element's `index`, its
 * path naming the value for that element (`data[2]`, `result[2]`, not the task's
 * `args[2].data` or `the result`); a timeout or a lost worker, its error with the
 * element's `index`.
 */
function reportElementFailure(
  options: TaskErrorOptions,
  args: readonly unknown[],
  fault?: TaskError,
): TaskError | undefined {
  const { cause } = options
  if (fault !== undefined) return withElement(fault, args[1])
  if (cause instanceof NotSerializableFault) return reportUnsendable(options, cause, args[1])
  const failure = readIndexedFailure(cause)
  return failure && new PropertyElementError({ ...options, ...failure })
}

/**
 * A fault of the run while computing an element (a timeout, a lost worker), named by the
 * element's `index` as the function's own failures are; a whole-batch task's as it is.
 */
function withElement(fault: TaskError, plan: unknown): TaskError {
  const { element } = (plan ?? {}) as Partial<TaskPlan>
  if (typeof element !== 'number') return fault
  return Object.defineProperty(fault, 'index', { value: element, enumerable: true })
}

/** A value a worker could not be sent or send back: which field or property, and where in it. */
interface Unsendable {
  readonly name: string
  readonly rest: string
}

/** `the result.model`: the property's own value (`name`), `.model` in it. */
function unsendableResult(path: string, functionName: string): Unsendable | undefined {
  const value = /^the result(.*)$/s.exec(path)
  return value === null ? undefined : { name: functionName, rest: value[1]! }
}

/**
 * `args[2].data[0]`: the field or property `data` in the values known when the graph was
 * built (`args[2]`), `[0]` in it; `args[4]`: the second of those passed after them.
 */
function unsendableArgument(path: string, names: readonly string[]): Unsendable | undefined {
  const known = /^args\[2\](?:\.([A-Za-z_$][\w$]*)|\[("(?:[^"\\]|\\.)*")\])(.*)$/s.exec(path)
  if (known !== null)
    return { name: known[1] ?? (JSON.parse(known[2]!) as string), rest: known[3]! }
  const passed = /^args\[(\d+)\](.*)$/s.exec(path)
  if (passed === null) return undefined
  const name = names[Number(passed[1]) - 3]
  return name === undefined ? undefined : { name, rest: passed[2]! }
}

function reportUnsendable(
  options: TaskErrorOptions,
  fault: NotSerializableFault,
  plan: unknown,
): SerializationError | undefined {
  const { element, names = [], own = [] } = (plan ?? {}) as Partial<TaskPlan>
  if (typeof element !== 'number') return undefined
  const { direction } = fault
  const value =
    direction === 'result'
      ? unsendableResult(fault.path, options.functionName)
      : unsendableArgument(fault.path, names)
  if (value === undefined) return undefined
  // A field every element is given whole (not batched) is no element's: it has no index.
  const index = direction === 'result' || own.includes(value.name) ? element : undefined
  return unsendableValue(options, fault, {
    path: `${value.name}${index === undefined ? '' : `[${index}]`}${value.rest}`,
    index,
    advice:
      direction === 'result'
        ? "Return plain data from the property's function (objects, arrays, Map, Set, Date, typed arrays, BigInt), " +
          'or compute on the executor "async" or "inline", where values are not copied.'
        : 'Give per-element properties plain data to use, in fields and in the values of other properties (objects, arrays, Map, Set, Date, typed arrays, BigInt), ' +
          'or compute on the executor "async" or "inline", where values are not copied.',
  })
}
Object.defineProperty(computeProperty, FAILURE_REPORT, { value: reportElementFailure })

/** The requested values, read back from disk where they went there; then removes the files. */
function collectProperties(plan: CollectPlan, ...values: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  const read = (value: unknown): unknown => load(value, plan.cacheDir)
  plan.names.forEach((name, k) => {
    const value = values[k]
    setOwn(out, name, plan.stacked[k] === true ? (value as unknown[]).map(read) : read(value))
  })
  if (plan.cacheDir !== undefined) removeCache(plan.cacheDir)
  return out
}

/** Per-element properties: in workers on a pool executor. */
export const elementTask = delayed(computeProperty, { name: 'property' })
/** Whole-batch properties: on the computing thread, where the per-element values gather. */
export const wholeTask = delayed(computeProperty, { name: 'property', mainThread: true })
/** The requested values, assembled on the computing thread. */
export const collectTask = delayed(collectProperties, { name: 'properties', mainThread: true })

/** Sets an own property; assignment would call the `__proto__` setter for that name. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  })
}
