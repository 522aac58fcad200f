import { createHash } from 'node:crypto'
import { TASKGRAPH_VERSION as version } from './taskgraph-version.js'

// Tokens up to this long stand in their dependents' tokens as themselves (see `refOf`).
const INLINE_TOKEN_CHARS = 160

// A node's cache key is a SHA-256 of its ref (what its dependents' tokens hold of it)
// and of its function set (the code its result comes from: see function-sets.ts), with
// taskgraph's version, computed only when asked for (see `TaskKeys.key`).
//
// A task whose key in the graph is portable (the same in every process for the same
// call) has that key as its ref. Any other node's ref is made of its token: a short
// token itself, a long one's hash. Most tasks of a big graph are small and neither
// looked up nor stored (a run stores its targets and what is worth keeping), so a
// fan-out of 10,000 small tasks costs no SHA-256 but the target's; big data is still
// hashed once, where it enters the graph. Either way the key of a node depends only on
// its ref and function set, and a ref on the refs of its dependencies, length-prefixed:
// equal keys still mean equal recipes.

/** What the token of a task that takes the result of a node with token `token` holds of it. */
export function refOf(token: string): string {
  return token.length <= INLINE_TOKEN_CHARS ? `t${token}` : `k${hashToken(token)}`
}

/**
 * What the ref of a task of the function named `fnToken` starts with: the ref of its
 * token `task\0${fnToken}\0${args}` is this and its arguments' token (see `taskRef`).
 * Made once per function: a graph's tasks share a few functions, and a ref made of two
 * strings is one string less to make, and to keep, per task.
 */
export function taskRefStart(fnToken: string): string {
  return `ttask\0${fnToken}\0`
}

/**
 * The ref (see `refOf`) of a task, from its function's `taskRefStart` and its arguments'
 * token, in pieces (see `stableTokenChunks`: more than one means a long token).
 */
export function taskRef(start: string, args: readonly string[]): string {
  if (args.length > 1) return `k${hashPieces(start.slice(1), args)}`
  const ref = start + args[0]!
  return ref.length - 1 <= INLINE_TOKEN_CHARS ? ref : `k${hashToken(ref.slice(1))}`
}

/** The ref (see `refOf`) of data whose token is `token`, in pieces as `taskRef`'s. */
export function dataRef(token: readonly string[]): string {
  return token.length > 1 ? `k${hashPieces('data\0', token)}` : refOf(`data\0${token[0]!}`)
}

/**
 * The ref of a task whose key in the graph, `key`, is portable: a hash of its function's
 * origin, its arguments and its dependencies' keys (see `TaskGraph.portable`).
 */
export function portableRef(key: string): string {
  return `p${key}`
}

/** The key (64 hex digits) of a node whose ref is `ref` and function set `functions`. */
export function keyOf(ref: string, functions: string): string {
  return hashToken(`key\0${ref}\0${functions}`)
}

// Tokens are hashed as their UTF-16 code units, as JavaScript holds them: as UTF-8, every
// lone surrogate ('\ud800', '\udc00') would be written as U+FFFD, and strings that differ
// only there would share a key (a cached result read for the wrong argument).

/** A SHA-256 of `token`, with taskgraph's version. */
export function hashToken(token: string): string {
  return createHash('sha256').update(`taskgraph ${version}\0${token}`, 'utf16le').digest('hex')
}

/** `hashToken` of `first` followed by `pieces`, without making them one string. */
function hashPieces(first: string, pieces: readonly string[]): string {
  const sha = createHash('sha256').update(`taskgraph ${version}\0${first}`, 'utf16le')
  for (const piece of pieces) sha.update(piece, 'utf16le')
  return sha.digest('hex')
}
