import { fileURLToPath } from 'node:url'
import type { AnyFunction } from '@taskgraph/core'
import {
  originOf,
  stableToken,
  type StableTokenParts,
  type TaskGraph,
} from '@taskgraph/core/internal'
import { hashToken, KeyedKey, StoredKey } from './content-key.js'
import { functionIdentity } from './function-identity.js'
import type { SourceFingerprints } from './source-fingerprints.js'

/** What a run's cache makes of one node of its graph. */
export type NodeKey =
  | StoredKey
  | KeyedKey
  /** An impure task: it runs every time, and what depends on it is not cached. */
  | { readonly kind: 'impure' }
  /** Cached, if it could be keyed: `reason` says why it cannot (one line). */
  | { readonly kind: 'unkeyable'; readonly reason: string }

/**
 * The cache key of every node of `graph` (nodes come dependencies first). A task's key
 * covers its function (where its module's evaluation made it, and the fingerprint of
 * that module's code: its source and the project's modules it imports, transitively),
 * its arguments, each dependency standing in by its own key, or a small one by what its
 * key is made of (see `ContentKey`: big data is hashed once, where it enters the graph),
 * and taskgraph's version.
 */
export function nodeKeys(
  graph: TaskGraph,
  fingerprints: SourceFingerprints,
): {
  keys: NodeKey[]
  recipes: Map<string, FunctionRecipe>
  /** The node of each task key. */
  nodeOf: ReadonlyMap<string, number>
} {
  const keys: NodeKey[] = new Array<NodeKey>(graph.size)
  const keying = new Keying(graph, keys, fingerprints)
  for (let i = 0; i < graph.size; i++) keys[i] = keying.keyOf(i)
  return { keys, recipes: keying.recipes, nodeOf: keying.nodeOf }
}

/**
 * What a function's part of its tasks' keys was made of, kept beside the entries (by
 * `fn` of a stored key), so that `taskgraph cache why` can say which file changed.
 */
export interface FunctionRecipe {
  readonly name: string
  /** The module it is keyed by, and the files it reaches (path from it: source hash). */
  readonly module: string
  readonly files: Readonly<Record<string, string>>
  readonly packages: readonly string[]
}

/** What `nodeKeys` keeps while it goes: made once, as it runs once per node. */
class Keying {
  readonly nodeOf = new Map<string, number>()
  readonly #functionTokens = new Map<AnyFunction, FunctionFacts | NodeKey | undefined>()
  /** The recipe of each function of a stored key, by its `fn`. */
  readonly recipes = new Map<string, FunctionRecipe>()
  /** The first dependency met that is not keyed, while a node's arguments are read. */
  #blocked: NodeKey | undefined
  readonly #parts: StableTokenParts = {
    keyOf: (delayed) => this.#dependencyKey(delayed.key),
    functionToken: (fn) => this.#functionToken(fn),
  }

  constructor(
    private readonly graph: TaskGraph,
    private readonly keys: readonly NodeKey[],
    private readonly fingerprints: SourceFingerprints,
  ) {
    for (let i = 0; i < graph.size; i++) this.nodeOf.set(graph.key(i), i)
  }

  /** The key of node `i`, those of the nodes before it known. */
  keyOf(i: number): NodeKey {
    const graph = this.graph
    const fn = graph.fn(i)
    this.#blocked = undefined
    if (fn === undefined) {
      const token = stableToken(graph.value(i), this.#parts)
      if (this.#blocked !== undefined) return this.#blocked
      return token === undefined ? UNKEYABLE_DATA : new KeyedKey(`data\0${token}`)
    }
    const spec = graph.spec(i)
    if (!spec.pure && spec.rearranges !== true) return IMPURE
    const facts = spec.rearranges === true ? undefined : this.#functionFacts(fn)
    if (facts !== undefined && 'kind' in facts) return facts
    // A function's part is the hash of its token (`id`): half the bytes to hash per task.
    const fnToken = spec.rearranges === true ? `taskgraph:${spec.name}` : facts?.id
    if (fnToken === undefined) return UNNAMED_FUNCTION
    const args = stableToken(graph.recordedArgs(i), this.#parts)
    // A dependency that is not keyed leaves this node unkeyed, for the dependency's reason.
    if (this.#blocked !== undefined) return this.#blocked
    if (args === undefined) return UNKEYABLE_ARGUMENT
    const token = `task\0${fnToken}\0${args}`
    if (facts === undefined || spec.cache !== true) return new KeyedKey(token)
    if (!this.recipes.has(facts.id)) this.recipes.set(facts.id, facts.recipe())
    return new StoredKey(token, facts.id)
  }

  #dependencyKey(key: string): string {
    const dependency = this.keys[this.nodeOf.get(key)!]!
    if (dependency.kind === 'stored' || dependency.kind === 'keyed') return dependency.ref
    this.#blocked ??=
      dependency.kind === 'impure'
        ? { kind: 'unkeyable', reason: `it depends on the impure task ${JSON.stringify(key)}` }
        : dependency
    return ''
  }

  #functionToken(fn: AnyFunction): string | undefined {
    const facts = this.#functionFacts(fn)
    return facts === undefined || 'kind' in facts ? undefined : facts.token
  }

  /** What names `fn` in keys, or why it cannot be named. */
  #functionFacts(fn: AnyFunction): FunctionFacts | NodeKey | undefined {
    if (!this.#functionTokens.has(fn)) {
      this.#functionTokens.set(fn, factsOfFunction(fn, this.fingerprints))
    }
    return this.#functionTokens.get(fn)
  }
}

/** A function as keys name it. */
interface FunctionFacts {
  readonly token: string
  /** A hash of `token`: what stored entries name it by. */
  readonly id: string
  readonly recipe: () => FunctionRecipe
}

const IMPURE: NodeKey = { kind: 'impure' }
const UNNAMED_FUNCTION: NodeKey = {
  kind: 'unkeyable',
  reason:
    'its function was not made by the top-level code of a module (a function made at run time cannot be named across runs)',
}
const UNKEYABLE_ARGUMENT: NodeKey = {
  kind: 'unkeyable',
  reason:
    'an argument holds a function made at run time, a symbol, a class instance or data nested deeper than 64 levels, which cannot be named across runs',
}
const UNKEYABLE_DATA: NodeKey = {
  kind: 'unkeyable',
  reason:
    'it uses data holding a function made at run time, a symbol, a class instance or data nested deeper than 64 levels, which cannot be named across runs',
}

/**
 * A function as named across runs (see `functionIdentity`), with its name and which
 * function of that name its origin's evaluation made. `undefined` for a function no
 * module's top-level code made.
 */
function factsOfFunction(
  fn: AnyFunction,
  fingerprints: SourceFingerprints,
): FunctionFacts | NodeKey | undefined {
  const origin = originOf(fn)
  if (origin === undefined || !origin.url.startsWith('file:')) return undefined
  let identity: ReturnType<typeof functionIdentity>
  try {
    identity = functionIdentity(fn, fileURLToPath(origin.url), fingerprints)
  } catch {
    // The module's file cannot be read (gone since it was loaded).
    return undefined
  }
  const [unfollowable] = fingerprints.unfollowable(identity.module)
  if (unfollowable !== undefined) {
    return {
      kind: 'unkeyable',
      reason: `its module imports (itself or through another) ${JSON.stringify(unfollowable)}, which names no installed package (a path alias?), so the code it stands for cannot be followed; import that module by a relative path`,
    }
  }
  const token = `${identity.identity}:${origin.name}:${origin.occurrence}`
  return {
    token,
    id: hashToken(`function\0${token}`),
    recipe: () => ({
      name: origin.name,
      module: identity.module,
      ...fingerprints.parts(identity.module),
    }),
  }
}
