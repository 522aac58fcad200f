import { Delayed, DelayedTuple, KeyKind } from './delayed.js'
import { contentKey, uniqueKey } from '../graph/keys.js'
import { recordArgs } from './lazy-args.js'
import { identityToken, tokenize } from '../graph/tokenize.js'
import type { TaskOptions } from '../task-options.js'
import type { AnyFunction } from '../types.js'

/** What every task of one delayed function shares. */
export interface TaskSpec {
  /** Readable part of the keys, and the label of the task in graphs. */
  readonly name: string
  /** Keys derive from function identity and argument content. */
  readonly pure: boolean
  /** Retries and time limit of the tasks. */
  readonly options?: TaskOptions
  /**
   * Run on the thread that computes the graph, whatever the executor: for tasks that
   * only rearrange results already there (`get`, `at`, `gather`, `call`), or that need
   * that thread's state.
   */
  readonly mainThread?: boolean
}

const NO_REFS: readonly Delayed[] = Object.freeze([])

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
  const found: Delayed[] = []
  const deep = recordArgs(args, found, spec.name)
  const refs = found.length === 0 ? NO_REFS : found
  let keyKind: KeyKind
  if (key !== undefined) {
    keyKind = KeyKind.Explicit
  } else if (spec.pure) {
    keyKind = KeyKind.Content
    key = contentKey(spec.name, identityToken(fn) + tokenize(args))
  } else {
    keyKind = KeyKind.Unique
    key = uniqueKey(spec.name)
  }
  return length >= 0
    ? new DelayedTuple(length, key, spec, keyKind, fn, args, refs, deep, undefined)
    : new Delayed(key, spec, keyKind, fn, args, refs, deep, undefined)
}

/** Records a data node: a value that is part of a graph without a task to make it. */
export function makeData<T>(
  value: T,
  name: string,
  key: string | undefined,
  keyKind: KeyKind,
): Delayed<T> {
  if (key === undefined) {
    key = keyKind === KeyKind.Content ? contentKey(name, tokenize(value)) : uniqueKey(name)
  }
  return new Delayed<T>(
    key,
    { name, pure: false },
    keyKind,
    undefined,
    undefined,
    NO_REFS,
    false,
    value,
  )
}
