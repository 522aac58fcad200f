import { hash128, hash128After, type HashState } from './hash.js'

let counter = 0

/**
 * A key unique to this call, as Dask's default (impure) keys are. A counter rather than a
 * random id keeps keys, and so DOT node ids, identical from run to run of the same workflow.
 */
export function uniqueKey(name: string): string {
  return `${name}-${(++counter).toString(36)}`
}

/** A key derived from content: equal tokens give equal keys, so identical calls merge. */
export function contentKey(name: string, token: string): string {
  return `${name}-${hash128(token)}`
}

/**
 * `contentKey(name, prefix + rest)`, where `state` is `prefix` already read by the hash
 * (see `hashState`): the keys of a function's tasks share their function's token.
 */
export function contentKeyAfter(name: string, state: HashState, rest: string): string {
  return `${name}-${hash128After(state, rest)}`
}
