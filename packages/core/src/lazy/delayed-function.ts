import type { Delayed, DelayedTuple } from './delayed.js'
import { describeValue, InvalidOptionError, NotCallableError } from '../errors.js'
import type { TaskSpec } from './lazy-node.js'
import { makeTask } from './make-task.js'
import { checkOptionNames } from '../option-names.js'
import { recordOrigin } from '../origin.js'
import { checkTaskOptions, TASK_OPTION_NAMES, type TaskOptions } from '../task-options.js'
import type {
  AnyFunction,
  Computed,
  LazyArgs,
  OverloadedParameters,
  OverloadedReturnType,
} from '../types.js'

/** Options of `delayed(fn, options)`: naming, keys, and how its tasks run. */
export interface DelayedOptions extends TaskOptions {
  /**
   * The readable part of task keys and the task's label in graphs.
   * @default the function's name, or `'lambda'` for an anonymous function
   */
  name?: string
  /**
   * Derive keys from the function's identity and the arguments' content, so identical
   * calls are one task that runs once. Only for functions whose result depends on
   * nothing but their arguments.
   * @default false
   */
  pure?: boolean
  /**
   * Keep results in the run's persistent cache (the `cache` run option, `taskgraph run
   * --cache`), to be read instead of running the task again in later runs. Implies
   * `pure`. `false` keeps a pure function's results out of the cache (when computing
   * them costs less than storing them).
   * @default the value of `pure`
   */
  cache?: boolean
  /**
   * The function returns a tuple of `nout` values: calls give a `DelayedTuple` that can
   * be destructured, `const [q, r] = divmod(7, 2)`.
   */
  nout?: number
  /**
   * Run the tasks on the thread that computes the graph, even with a pool executor: for
   * functions that need that thread's state, or cost less than sending their data.
   * @default false
   */
  mainThread?: boolean
}

/** Options of `fn.with(options)`: the delayed options plus a key for the call. */
export interface CallOptions extends DelayedOptions {
  /**
   * The key of the task, instead of a generated one (Dask's `dask_key_name`). Two
   * different tasks in one graph must not share a key.
   */
  key?: string
}

/** A function whose calls record tasks instead of running. */
export interface DelayedFunction<F extends AnyFunction> {
  // A task that returns a graph stands for that graph's result: its value type is the
  // computed one. Every overload's arguments are taken (`Parameters` sees only the last
  // one's), and the result is any overload's.
  (...args: LazyArgs<OverloadedParameters<F>>): Delayed<Computed<Awaited<OverloadedReturnType<F>>>>
  /** The wrapped function. */
  readonly fn: F
  /** The options this function was made with. */
  readonly options: Readonly<CallOptions>
  /** The same function with some options changed, e.g. `.with({ key: 'load' })`. */
  with(options: CallOptions & { nout: number }): DelayedTupleFunction<F>
  with(options: CallOptions): DelayedFunction<F>
}

/** A delayed function declared with `nout`: its calls can be destructured. */
export interface DelayedTupleFunction<F extends AnyFunction> {
  (
    ...args: LazyArgs<OverloadedParameters<F>>
  ): DelayedTuple<TupleOf<Awaited<OverloadedReturnType<F>>>>
  readonly fn: F
  readonly options: Readonly<CallOptions>
  with(options: CallOptions): DelayedTupleFunction<F>
}

type TupleOf<R> = R extends readonly unknown[] ? R : unknown[]

const DELAYED_OPTION_NAMES = ['name', 'pure', 'cache', 'nout', 'mainThread', ...TASK_OPTION_NAMES]
const CALL_OPTION_NAMES = [...DELAYED_OPTION_NAMES, 'key']
const KEY_HINT = 'a key names one call: set it per call with fn.with({ key })'
// Shared by every copy of taskgraph in the process, as the lazy brand is (see brand.ts).
const kDelayedFunction = Symbol.for('taskgraph.delayedFunction')

/**
 * Wraps `fn` so that calling it records a task instead of running it. Arguments may be
 * plain values, `Delayed` values, or arrays and plain objects holding `Delayed` values at
 * any depth; they are resolved before `fn` runs. `fn` may be sync or async.
 *
 * @example
 * const inc = delayed(function inc(x: number) { return x + 1 })
 * const add = delayed((a: number, b: number) => a + b, { name: 'add', pure: true })
 * await add(inc(1), inc(2)).compute() // 5
 */
export function delayed<F extends AnyFunction>(
  fn: F,
  options: DelayedOptions & { nout: number },
): DelayedTupleFunction<F>
export function delayed<F extends AnyFunction>(fn: F, options?: DelayedOptions): DelayedFunction<F>
export function delayed(
  fn: AnyFunction,
  options: DelayedOptions = {},
): DelayedFunction<AnyFunction> {
  if (typeof fn !== 'function') {
    throw new NotCallableError({
      message:
        `delayed: expected a function to wrap, got ${describeValue(fn)}. ` +
        'Pass the function itself rather than the result of calling it; to put a plain value in a graph, use literal(value).',
    })
  }
  if (isDelayedFunction(fn))
    return wrap('delayed', fn.fn, { ...fn.options, ...checkOptions('delayed', options) })
  const checked = checkOptions('delayed', options)
  recordOrigin(fn)
  return wrap('delayed', fn, checked)
}

/**
 * Whether `value` is a function made by `delayed` (its calls record tasks), by this copy
 * of taskgraph or another one loaded in the same process.
 */
export function isDelayedFunction(value: unknown): value is DelayedFunction<AnyFunction> {
  return typeof value === 'function' && kDelayedFunction in value
}

function wrap(caller: string, fn: AnyFunction, options: CallOptions): DelayedFunction<AnyFunction> {
  const { retries, retryDelay, timeout } = options
  const spec: TaskSpec = {
    name: options.name ?? (fn.name || 'lambda'),
    pure: options.pure ?? options.cache ?? false,
    options: { retries, retryDelay, timeout },
    mainThread: options.mainThread ?? false,
    cache: options.cache ?? options.pure ?? false,
  }
  if (spec.cache === true && !spec.pure) {
    throw new InvalidOptionError({
      message: `${caller}: options "cache: true" and "pure: false" contradict each other: a cached result is read instead of running the task, which is right only for a pure function. Drop "pure: false" if the result depends on the arguments alone; otherwise drop "cache: true".`,
    })
  }
  const key = options.key
  const nout = options.nout ?? -1
  const call = (...args: unknown[]): Delayed => makeTask(fn, args, spec, key, nout)
  Object.defineProperty(call, 'name', { value: spec.name })
  const frozen = Object.freeze({ ...options })
  return Object.assign(call, {
    fn,
    options: frozen,
    with: (changes: CallOptions) =>
      wrap('with', fn, { ...frozen, ...checkOptions('with', changes) }),
    [kDelayedFunction]: true as const,
  }) as unknown as DelayedFunction<AnyFunction>
}

function checkOptions(caller: string, options: CallOptions): CallOptions {
  if (caller === 'with') checkOptionNames(caller, options, CALL_OPTION_NAMES)
  else checkOptionNames(caller, options, DELAYED_OPTION_NAMES, KEY_HINT)
  checkTaskOptions(caller, options)
  const { name, pure, cache, nout, key, mainThread } = options
  if (mainThread !== undefined && typeof mainThread !== 'boolean') {
    throw new InvalidOptionError({
      message: `${caller}: option "mainThread" must be true or false, got ${describeValue(mainThread)}.`,
    })
  }
  if (name !== undefined && (typeof name !== 'string' || name === '')) {
    throw new InvalidOptionError({
      message: `${caller}: option "name" must be a non-empty string, got ${describeValue(name)}.`,
    })
  }
  if (pure !== undefined && typeof pure !== 'boolean') {
    throw new InvalidOptionError({
      message: `${caller}: option "pure" must be true or false, got ${describeValue(pure)}.`,
    })
  }
  if (cache !== undefined && typeof cache !== 'boolean') {
    throw new InvalidOptionError({
      message: `${caller}: option "cache" must be true or false, got ${describeValue(cache)}.`,
    })
  }
  if (nout !== undefined && !(Number.isInteger(nout) && nout >= 0)) {
    throw new InvalidOptionError({
      message: `${caller}: option "nout" must be a whole number of results (0 or more), got ${describeValue(nout)}.`,
    })
  }
  if (key !== undefined && (typeof key !== 'string' || key === '')) {
    throw new InvalidOptionError({
      message: `${caller}: option "key" must be a non-empty string, got ${describeValue(key)}.`,
    })
  }
  return options
}
