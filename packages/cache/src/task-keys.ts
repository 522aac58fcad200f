import { createHash } from 'node:crypto'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import type { AnyFunction } from '@taskgraph/core'
import { originOf, stableToken, type TaskGraph } from '@taskgraph/core/internal'
import { functionIdentity } from './function-identity.js'
import type { SourceFingerprints } from './source-fingerprints.js'

/** taskgraph's version: results are kept apart from another version's. */
const { version } = createRequire(import.meta.url)('../package.json') as { version: string }

/** What a run's cache makes of one node of its graph. */
export type NodeKey =
  /** A task whose result is kept under `key`. */
  | { readonly kind: 'stored'; readonly key: string }
  /**
   * Data, a task that only rearranges results (gather, get, at), or a pure task kept
   * out of the cache (`cache: false`): keyed, so that what depends on it can be, but
   * never stored.
   */
  | { readonly kind: 'keyed'; readonly key: string }
  /** An impure task: it runs every time, and what depends on it is not cached. */
  | { readonly kind: 'impure' }
  /** Cached, if it could be keyed: `reason` says why it cannot (one line). */
  | { readonly kind: 'unkeyable'; readonly reason: string }

/**
 * The cache key of every node of `graph` (nodes come dependencies first). A task's key
 * covers its function (where its module's evaluation made it, and the fingerprint of
 * that module's code: its source and the project's modules it imports, transitively),
 * its arguments, each dependency standing in by its own key (so big data is hashed once,
 * where it enters the graph), and taskgraph's version.
 */
export function nodeKeys(graph: TaskGraph, fingerprints: SourceFingerprints): NodeKey[] {
  const keys: NodeKey[] = new Array<NodeKey>(graph.size)
  const indexOf = new Map<string, number>()
  for (let i = 0; i < graph.size; i++) indexOf.set(graph.key(i), i)
  const functionTokens = new Map<AnyFunction, string | undefined>()
  const functionToken = (fn: AnyFunction): string | undefined => {
    if (!functionTokens.has(fn)) functionTokens.set(fn, tokenOfFunction(fn, fingerprints))
    return functionTokens.get(fn)
  }
  for (let i = 0; i < graph.size; i++) {
    // A dependency that is not keyed leaves this node unkeyed, for the dependency's reason.
    let blocked: NodeKey | undefined
    const keyOf = (delayed: { readonly key: string }): string => {
      const dependency = keys[indexOf.get(delayed.key)!]!
      if (dependency.kind === 'stored' || dependency.kind === 'keyed') return dependency.key
      blocked ??=
        dependency.kind === 'impure'
          ? {
              kind: 'unkeyable',
              reason: `it depends on the impure task ${JSON.stringify(delayed.key)}`,
            }
          : dependency
      return ''
    }
    const fn = graph.fn(i)
    const spec = graph.spec(i)
    if (fn === undefined) {
      const token = stableToken(graph.value(i), { keyOf, functionToken })
      keys[i] =
        token === undefined ? unkeyableData() : { kind: 'keyed', key: hash(['data', token]) }
      continue
    }
    if (!spec.pure && spec.rearranges !== true) {
      keys[i] = { kind: 'impure' }
      continue
    }
    const fnToken = spec.rearranges === true ? `taskgraph:${spec.name}` : functionToken(fn)
    if (fnToken === undefined) {
      keys[i] = {
        kind: 'unkeyable',
        reason:
          'its function was not made by the top-level code of a module (a function made at run time cannot be named across runs)',
      }
      continue
    }
    const args = stableToken(graph.recordedArgs(i), { keyOf, functionToken })
    if (blocked !== undefined) {
      keys[i] = blocked
      continue
    }
    if (args === undefined) {
      keys[i] = {
        kind: 'unkeyable',
        reason:
          'an argument holds a function made at run time, a symbol, a class instance or data nested deeper than 64 levels, which cannot be named across runs',
      }
      continue
    }
    const key = hash(['task', fnToken, args])
    keys[i] =
      spec.rearranges !== true && spec.cache === true
        ? { kind: 'stored', key }
        : { kind: 'keyed', key }
  }
  return keys
}

function unkeyableData(): NodeKey {
  return {
    kind: 'unkeyable',
    reason:
      'it uses data holding a function made at run time, a symbol, a class instance or data nested deeper than 64 levels, which cannot be named across runs',
  }
}

/**
 * A function as named across runs (see `functionIdentity`), with its name and which
 * function of that name its origin's evaluation made. `undefined` for a function no
 * module's top-level code made.
 */
function tokenOfFunction(fn: AnyFunction, fingerprints: SourceFingerprints): string | undefined {
  const origin = originOf(fn)
  if (origin === undefined || !origin.url.startsWith('file:')) return undefined
  try {
    const identity = functionIdentity(fn, fileURLToPath(origin.url), fingerprints)
    return `${identity}:${origin.name}:${origin.occurrence}`
  } catch {
    // The module's file cannot be read (gone since it was loaded).
    return undefined
  }
}

function hash(parts: readonly string[]): string {
  const digest = createHash('sha256').update(`taskgraph ${version}`)
  for (const part of parts) digest.update('\0').update(part)
  return digest.digest('hex')
}
