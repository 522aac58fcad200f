import type { Delayed } from './delayed.js'
import { contentKey, contentKeyAfter, uniqueKey } from '../graph/keys.js'
import { flatArgsToken, functionToken, tokenize, writtenArgsToken } from '../graph/tokenize.js'
import type { TaskOptions } from '../task-options.js'
import type { AnyFunction } from '../types.js'
import { recordArgs } from './lazy-args.js'

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
  /**
   * Results may be kept in a persistent cache, across runs (`delayed`'s `cache` option;
   * pure tasks by default). Never for an impure task.
   */
  readonly cache?: boolean
  /**
   * One of taskgraph's own tasks that only rearrange results (gather, get, at, a bag's
   * concat): a cache keys it by its name and arguments, and never stores it.
   */
  readonly rearranges?: boolean
}

/** How a node's key was made; decides how a key collision is judged. */
export const enum KeyKind {
  /** Unique per call (the default). */
  Unique = 0,
  /** Derived from function identity and argument content (`pure: true`). */
  Content = 1,
  /** Given by the user (`.with({ key })`, graph specs). */
  Explicit = 2,
  /** The computed value of the task with this key (`persist()`). */
  Persisted = 3,
}

/** The class of this copy's lazy values; delayed.ts registers it as it loads. */
let ownClass: abstract new (...args: never[]) => Delayed

/** @internal Called once, by delayed.ts. */
export function registerDelayedClass(
  delayedClass: abstract new (...args: never[]) => Delayed,
): void {
  ownClass = delayedClass
}

/**
 * Whether `node` has a unique key of this copy of taskgraph's counter, which no other
 * node can share. Another installed copy counts its own keys, which can be the same.
 */
export function hasOwnUniqueKey(node: Delayed): boolean {
  return node._keyKind === KeyKind.Unique && node instanceof ownClass
}

/**
 * One recorded node of a graph: a task (a call of `fn`) or data (a `value`). A `Delayed`
 * is made from one. Its fields are what graph collection reads from a `Delayed`, in this
 * copy of taskgraph or in another one.
 */
export interface LazyNode {
  readonly key: string
  readonly spec: TaskSpec
  readonly keyKind: KeyKind
  /** The task function; `undefined` for a data node. */
  readonly fn: AnyFunction | undefined
  /** Recorded arguments (see lazy-args.ts); `undefined` for a data node. */
  readonly args: readonly unknown[] | undefined
  /** Every `Delayed` met in the arguments, in recording order. */
  readonly refs: readonly Delayed[]
  /** Whether some argument is a nested structure holding a `Delayed`. */
  readonly deep: boolean
  /** The value of a data node. */
  readonly value: unknown
  /**
   * Whether `key` is the same in every process that makes this call: a content key of a
   * function a module's top-level code made, of arguments that are a flat list of plain
   * values and `Delayed` values whose keys are portable too. A persistent cache can name
   * such a task by its key and the code of the functions it and its dependencies call.
   */
  readonly portable: boolean
}

const NO_REFS: readonly Delayed[] = Object.freeze([])

/**
 * Records one call of `fn` as a task node. `args` must be an array the caller owns:
 * recording replaces nested containers holding a `Delayed` with snapshots.
 */
export function taskNode(fn: AnyFunction, args: unknown[], spec: TaskSpec, key?: string): LazyNode {
  const found: Delayed[] = []
  const deep = recordArgs(args, found, spec.name)
  const refs = found.length === 0 ? NO_REFS : found
  let keyKind: KeyKind
  let portable = false
  if (key !== undefined) {
    keyKind = KeyKind.Explicit
  } else if (spec.pure) {
    keyKind = KeyKind.Content
    const named = functionToken(fn)
    const flat = flatArgsToken(args)
    key = contentKeyAfter(spec.name, named.state, flat ?? writtenArgsToken(args))
    portable = named.portable && flat !== undefined && refs.every(hasPortableKey)
  } else {
    keyKind = KeyKind.Unique
    key = uniqueKey(spec.name)
  }
  return { key, spec, keyKind, fn, args, refs, deep, value: undefined, portable }
}

/** Records a data node: a value that is part of a graph without a task to make it. */
export function dataNode(
  value: unknown,
  name: string,
  key: string | undefined,
  keyKind: KeyKind,
): LazyNode {
  if (key === undefined) {
    key = keyKind === KeyKind.Content ? contentKey(name, tokenize(value)) : uniqueKey(name)
  }
  const spec: TaskSpec = { name, pure: false }
  return {
    key,
    spec,
    keyKind,
    fn: undefined,
    args: undefined,
    refs: NO_REFS,
    deep: false,
    value,
    portable: false,
  }
}

/** Whether `node`'s key is portable (see `LazyNode.portable`); a copy's without the mark is not. */
function hasPortableKey(node: Delayed): boolean {
  return node._portable === true
}
