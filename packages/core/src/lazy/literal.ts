import type { Delayed } from './delayed.js'
import { InvalidArgumentError, InvalidOptionError, describeValue } from '../errors.js'
import { checkOptionNames } from '../option-names.js'
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
 * share it by reference and graphs show it.
 * @example const data = literal([1, 2, 3], { name: 'data' })
 */
export function literal<T>(value: T, options: LiteralOptions = {}): Delayed<T> {
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
  recordArgs([value], refs, 'literal')
  if (refs.length > 0) {
    throw new InvalidArgumentError({
      message:
        'literal: the value holds Delayed values, which a data node cannot resolve. Use gather(value) to collect them into one lazy value.',
    })
  }
  const kind = key !== undefined ? KeyKind.Explicit : pure ? KeyKind.Content : KeyKind.Unique
  return makeData(value, name, key, kind)
}
