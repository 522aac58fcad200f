import { toDot } from '../dot/to-dot.js'
import type { DotOptions } from '../dot/dot-options.js'
import { describeValue, InvalidArgumentError } from '../errors.js'
import { toGraph, type TaskGraphology } from '../graph/to-graph.js'
import { computeTargets, type ComputeOptions } from '../scheduler-registry.js'
import type {
  AnyFunction,
  LazyArgs,
  MethodKeys,
  OverloadedParameters,
  OverloadedReturnType,
} from '../types.js'
import { LAZY, type Branded } from './brand.js'
import {
  dataNode,
  KeyKind,
  registerDelayedClass,
  taskNode,
  type LazyNode,
  type TaskSpec,
} from './lazy-node.js'

/**
 * A lazy value: the promise of the result of a task (or a piece of data) that has not
 * run yet. Calling a delayed function, `gather`, `get`, `at` or `call` records a new task
 * that depends on this one; nothing runs until `compute()`.
 */
export class Delayed<T = unknown> implements Branded {
  /** The lazy brand (see brand.ts): how any copy of taskgraph recognises a lazy value. */
  declare readonly [LAZY]: true
  static {
    // On the prototype rather than on each value: graphs hold many.
    Object.defineProperty(this.prototype, LAZY, { value: true })
  }

  /** The task's key: its identity in every graph it is part of. */
  readonly key: string
  /** @internal The task function; `undefined` for a data node. */
  readonly _fn: AnyFunction | undefined
  /** @internal Recorded arguments (see lazy-args.ts); `undefined` for a data node. */
  readonly _args: readonly unknown[] | undefined
  /** @internal The value of a data node. */
  readonly _value: unknown
  /** @internal Every `Delayed` met in the arguments, in recording order. */
  readonly _refs: readonly Delayed[]
  /** @internal Whether some argument is a nested structure holding a `Delayed`. */
  readonly _deep: boolean
  /** @internal Name and options shared by every task of one delayed function. */
  readonly _spec: TaskSpec
  /** @internal */
  readonly _keyKind: KeyKind
  /** @internal The key is the same in every process that makes this call (see `LazyNode`). */
  readonly _portable: boolean
  /**
   * @internal The graph collection that last numbered this object, and its node there:
   * lets a collection recognise an object it has already numbered without looking its key
   * up (see task-graph.ts). Initialised here so every `Delayed` has one shape.
   */
  _collection = 0
  /** @internal See `_collection`. */
  _node = 0

  /** @internal Use `delayed`, `gather` or `literal` to make one. */
  constructor(node: LazyNode) {
    this.key = node.key
    this._spec = node.spec
    this._keyKind = node.keyKind
    this._portable = node.portable
    this._fn = node.fn
    this._args = node.args
    this._refs = node.refs
    this._deep = node.deep
    this._value = node.value
  }

  /** The readable part of the key: the function's name, or the data's name. */
  get name(): string {
    return this._spec.name
  }

  /** Whether this is a data node (a literal or persisted value) rather than a task. */
  get isData(): boolean {
    return this._fn === undefined
  }

  /**
   * Runs the graph this value needs and resolves with its result.
   * @example await add(inc(1), inc(2)).compute({ executor: 'inline' }) // 5
   */
  compute(options?: ComputeOptions): Promise<T> {
    return computeTargets('Delayed#compute', [this], options).then((results) => results[0] as T)
  }

  /**
   * Computes this value now and returns a `Delayed` backed by the result, under the same
   * key: graphs built on it later start from the value instead of recomputing it.
   */
  async persist(options?: ComputeOptions): Promise<Delayed<T>> {
    const [value] = await computeTargets('Delayed#persist', [this], options)
    return this._withValue(value as T)
  }

  /** @internal This value already computed: data under the same key, as `persist` gives. */
  _withValue(value: T): Delayed<T> {
    return new Delayed<T>(dataNode(value, this._spec.name, this.key, KeyKind.Persisted))
  }

  /**
   * A task reading property `key` of the result (Dask's `getitem`/`getattr`); a promise
   * read is awaited, as every task's result is.
   */
  get<K extends keyof T & (string | number | symbol)>(key: K): Delayed<Awaited<T[K]>> {
    checkPropertyKey('Delayed#get', 'key', key, "get('name')")
    return new Delayed<Awaited<T[K]>>(taskNode(getItem, [this, key], GET_SPEC))
  }

  /**
   * A task reading element `index` of an array-like result; negative indices count
   * from the end, as `Array.prototype.at`. A promise read is awaited.
   */
  at(index: number): Delayed<Awaited<ElementOf<T>>> {
    if (!Number.isInteger(index)) {
      throw new InvalidArgumentError({
        message: `Delayed#at: index must be an integer, got ${String(index)}. Use get() for property names.`,
      })
    }
    return new Delayed<Awaited<ElementOf<T>>>(taskNode(atIndex, [this, index], AT_SPEC))
  }

  /**
   * A task calling method `method` of the result with `args` (which may be lazy).
   * @example text.call('split', ' ') // Delayed<string[]>
   */
  call<M extends MethodKeys<T>>(
    method: M,
    ...args: LazyArgs<OverloadedParameters<T[M]>>
  ): Delayed<Awaited<OverloadedReturnType<T[M]>>> {
    checkPropertyKey('Delayed#call', 'method', method, "call('split', ' ')")
    const spec: TaskSpec = { name: String(method), pure: false, mainThread: true }
    return new Delayed(taskNode(callMethod, [this, method, ...(args as unknown[])], spec))
  }

  /** The graphology graph of this value's tasks: one node per key, edges from dependency to dependent. */
  toGraph(): TaskGraphology {
    return toGraph(this)
  }

  /** This value's graph in Graphviz DOT: task nodes are ellipses, data nodes are boxes. */
  toDot(options?: DotOptions): string {
    return toDot(toGraph(this), options)
  }

  toString(): string {
    return `Delayed(${JSON.stringify(this.key)})`
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString()
  }
}

registerDelayedClass(Delayed)

/**
 * A `Delayed` whose result has a known number of elements (`delayed(fn, { nout })`,
 * `gather`): it can be destructured into one `Delayed` per element.
 * @example const [q, r] = divmod(7, 2)
 */
export class DelayedTuple<T extends readonly unknown[] = unknown[]> extends Delayed<T> {
  /** The number of elements of the result. */
  readonly length: number

  /** @internal */
  constructor(length: number, node: LazyNode) {
    super(node)
    this.length = length
  }

  /** One `Delayed` per element of the result, typed per position. */
  unpack(): { -readonly [K in keyof T]: Delayed<T[K]> } {
    const items: Delayed[] = []
    for (let i = 0; i < this.length; i++) items.push(this.at(i))
    return items as { -readonly [K in keyof T]: Delayed<T[K]> }
  }

  *[Symbol.iterator](): Iterator<Delayed<T[number]>> {
    for (let i = 0; i < this.length; i++) yield this.at(i)
  }
}

/** Element type of an array-like result. */
export type ElementOf<T> = T extends readonly (infer E)[]
  ? E
  : T extends string
    ? string
    : T extends ArrayLike<infer E>
      ? E
      : unknown

/**
 * Checks that `key` names a property: anything else (`undefined`, an object) was read as
 * its text, and the task gave `undefined` or failed far from the mistake.
 */
function checkPropertyKey(caller: string, what: string, key: unknown, example: string): void {
  if (typeof key === 'string' || typeof key === 'number' || typeof key === 'symbol') return
  throw new InvalidArgumentError({
    message: `${caller}: ${what} must be a property name (a string, a number or a symbol), got ${describeValue(key)}. Write ${example}.`,
  })
}

function getItem(target: unknown, key: PropertyKey): unknown {
  return (target as Record<PropertyKey, unknown>)[key]
}

function atIndex(target: unknown, index: number): unknown {
  const at = (target as { at?: unknown } | null | undefined)?.at
  if (typeof at !== 'function') {
    throw new TypeError(`cannot take element ${index}: the result has no .at() method`)
  }
  return (at as (i: number) => unknown).call(target, index)
}

function callMethod(target: unknown, method: PropertyKey, ...args: unknown[]): unknown {
  const fn = (target as Record<PropertyKey, unknown> | null | undefined)?.[method]
  if (typeof fn !== 'function') {
    throw new TypeError(`the result has no method ${String(method)}`)
  }
  return (fn as AnyFunction).apply(target, args) as unknown
}

const GET_SPEC: TaskSpec = { name: 'get', pure: true, mainThread: true, rearranges: true }
const AT_SPEC: TaskSpec = { name: 'at', pure: true, mainThread: true, rearranges: true }
