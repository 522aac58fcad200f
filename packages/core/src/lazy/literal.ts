import type { Delayed } from './delayed.js'
import { InvalidArgumentError, InvalidOptionError, describeValue } from '../errors.js'
import { checkOptionNames } from '../option-names.js'
import { isThenable } from '../thenable.js'
import { recordArgs } from './lazy-args.js'
import { KeyKind } from './lazy-node.js'
import { makeData } from './make-task.js'

/** Options of `literal(value, options)`. */
export interface LiteralOptions {
  /** The readable part of the key. @default 'literal' */
  name?: string
  /** The key of the data node, instead of a generated one. */
  key?: string
  /**
   * Derive the key from the value's content, so equal literals are one node.
   * Costs a pass over the value.
   * @default false
   */
  pure?: boolean
}

const LITERAL_OPTION_NAMES = ['name', 'key', 'pure']

/**
 * Puts a plain value in a graph as a data node (Dask's `delayed(value)`), so tasks can
 * share it by reference and graphs show it. Not a promise (any thenable): await it first,
 * or make it a task, `delayed(async () => ...)()`.
 * @example const data = literal([1, 2, 3], { name: 'data' })
 * @throws {InvalidArgumentError} for a thenable, or a value holding `Delayed` values
 */
export function literal<T>(
  value: T extends { then(...args: never[]): unknown } ? never : T,
  options?: LiteralOptions,
): Delayed<T>
export function literal(value: unknown, options: LiteralOptions = {}): Delayed {
  checkOptionNames('literal', options, LITERAL_OPTION_NAMES)
  const { name = 'literal', key, pure = false } = options
  if (typeof name !== 'string' || name === '') {
    throw new InvalidOptionError({
      message: `literal: option "name" must be a non-empty string, got ${describeValue(name)}.`,
    })
  }
  if (key !== undefined && (typeof key !== 'string' || key === '')) {
    throw new InvalidOptionError({
      message: `literal: option "key" must be a non-empty string, got ${describeValue(key)}.`,
    })
  }
  if (typeof pure !== 'boolean') {
    throw new InvalidOptionError({
      message: `literal: option "pure" must be true or false, got ${describeValue(pure)}.`,
    })
  }
  const refs: Delayed[] = []
  recordArgs([value], refs, 'literal', { copies: false })
  if (refs.length > 0) {
    throw new InvalidArgumentError({
      message:
        'literal: the value holds Delayed values, which a data node cannot resolve. Use gather(value) to collect them into one lazy value.',
    })
  }
  // A data node's value is given to tasks and to compute() as it is: a promise would be
  // the result of compute(node), though `await node.compute()` flattens it.
  if (isThenable(value)) {
    throw new InvalidArgumentError({
      message: `literal: expects a value, not a promise (got ${describeValue(value)}, which has a then method): a data node holds its value as it is and cannot wait for it. Await it first and pass its value, or compute it in a task: delayed(async () => ...)().`,
    })
  }
  const kind = key !== undefined ? KeyKind.Explicit : pure ? KeyKind.Content : KeyKind.Unique
  return makeData(value, name, key, kind)
}
