import { InvalidArgumentError } from '@taskgraph/core'
import { describeValue, isPlainObject } from '@taskgraph/core/internal'

/**
 * One call's arguments from an in-batch `init`, when they include named arguments:
 * positional ones, then the object of named ones as the last argument. Made by
 * `callArgs`; a plain array stands for positional arguments alone.
 */
export class CallArgs<A extends readonly unknown[] = unknown[]> {
  /** @internal Use `callArgs(positional, named)`. */
  constructor(
    /** The arguments in call order, the named object last. */
    readonly args: A,
  ) {}
}

/** One call's arguments as an `init` may give them: positional (an array), or `callArgs(...)`. */
export type CallArgsOf<A extends readonly unknown[]> = A | CallArgs<A>

/**
 * Arguments of one call with named arguments, batchflow's `(list, dict)` pair: `fn` is
 * called with the positional ones, then the `named` object.
 *
 * @example
 * init: (batch) => batch.map((item, i) => callArgs([item, i], { scale: 2 }))
 * // fn(item, i, { scale: 2 }) for each item
 * init: (batch) => batch.map((item) => callArgs({ item, scale: 2 }))
 * // fn({ item, scale: 2 })
 */
export function callArgs<const P extends readonly unknown[], N extends object>(
  positional: P,
  named: N,
): CallArgs<[...P, N]>
export function callArgs<N extends object>(named: N): CallArgs<[N]>
export function callArgs(...given: unknown[]): CallArgs {
  const [first, second] = given
  const named = given.length === 1 ? first : second
  const positional = given.length === 1 ? [] : first
  if (given.length < 1 || given.length > 2 || !Array.isArray(positional)) {
    throw new InvalidArgumentError({
      message:
        'callArgs: expected (positional, named) with positional an array, or (named) alone; ' +
        `got ${given.map(describeValue).join(', ') || 'nothing'}.`,
    })
  }
  if (typeof named !== 'object' || named === null || !isPlainObject(named)) {
    throw new InvalidArgumentError({
      message:
        `callArgs: named arguments must be a plain object such as { scale: 2 }, got ${describeValue(named)}. ` +
        'Put other values among the positional arguments.',
    })
  }
  return new CallArgs([...(positional as unknown[]), named])
}

/** The argument list of one call from what `init` gave for it. */
export function argumentsOf(caller: string, entry: unknown, index: number): unknown[] {
  if (Array.isArray(entry)) return entry as unknown[]
  if (entry instanceof CallArgs) return [...(entry.args as readonly unknown[])]
  throw new InvalidArgumentError({
    message:
      `${caller}: init gave ${describeValue(entry)} for call ${index}; each call's arguments must be an array ` +
      '(positional) or callArgs(positional, named). Wrap a single argument in an array: [value].',
  })
}
