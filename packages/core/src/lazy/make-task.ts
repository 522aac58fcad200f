import type { AnyFunction } from '../types.js'
import { Delayed, DelayedTuple } from './delayed.js'
import { KeyKind, dataNode, taskNode, type TaskSpec } from './lazy-node.js'

/**
 * Records one call of `fn` as a task. `args` must be an array the caller owns: recording
 * replaces nested containers holding a `Delayed` with snapshots. `length` >= 0 makes a
 * `DelayedTuple`.
 */
export function makeTask(
  fn: AnyFunction,
  args: unknown[],
  spec: TaskSpec,
  key?: string,
  length = -1,
): Delayed {
  const node = taskNode(fn, args, spec, key)
  return length >= 0 ? new DelayedTuple(length, node) : new Delayed(node)
}

/** Records a data node: a value that is part of a graph without a task to make it. */
export function makeData<T>(
  value: T,
  name: string,
  key: string | undefined,
  keyKind: KeyKind,
): Delayed<T> {
  return new Delayed<T>(dataNode(value, name, key, keyKind))
}

/**
 * A data node under a key of its own: a value in a graph made again elsewhere; without
 * a key, under a unique key of this process's.
 */
export function makeKeyedData<T>(value: T, name: string, key: string | undefined): Delayed<T> {
  return makeData(value, name, key, key === undefined ? KeyKind.Unique : KeyKind.Explicit)
}

/**
 * Whether the key of `node` is a unique key (a counter of the process or thread that made
 * it), which means nothing elsewhere: another worker's counter makes the same keys.
 */
export function hasUniqueKey(node: Delayed): boolean {
  return node._keyKind === KeyKind.Unique
}
