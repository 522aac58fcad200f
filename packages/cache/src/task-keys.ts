import { fileURLToPath } from 'node:url'
import type { AnyFunction } from '@taskgraph/core'
import {
  functionToken,
  moduleRecordedAt,
  originOf,
  type Delayed,
  stableTokenChunks,
  type StableTokenParts,
  type TaskGraph,
} from '@taskgraph/core/internal'
import { CapturedVariables, type CapturedScope } from './captured-variables.js'
import { dataRef, hashToken, keyOf, portableRef, taskRef, taskRefStart } from './content-key.js'
import { functionIdentity } from './function-identity.js'
import { FunctionSets, type FunctionSet } from './function-sets.js'
import { shown } from './shown-path.js'
import type { Newest, SourceFingerprints } from './source-fingerprints.js'

/**
 * What a run's cache makes of one node of its graph: `'stored'`, a task whose result is
 * kept; `'keyed'`, data, a task that only rearranges results (gather, get, at) or a pure
 * task kept out of the cache (`cache: false`), keyed so that what depends on it can be,
 * but never stored; `'impure'`, a task that runs every time (what depends on it is not
 * cached); `'unkeyable'`, cached if it could be keyed (`TaskKeys.reason` says why not).
 */
export type KeyKind = 'stored' | 'keyed' | 'impure' | 'unkeyable'

const KINDS: readonly KeyKind[] = ['stored', 'keyed', 'impure', 'unkeyable']
const STORED = 0
const KEYED = 1
const IMPURE = 2
const UNKEYABLE = 3

/**
 * What a function's part of its tasks' keys was made of, kept beside the entries (by
 * the function's id, `TaskKeys.fn`), so that `taskgraph cache why` can say which file
 * changed.
 */
export interface FunctionRecipe {
  readonly name: string
  /** The module it is keyed by, and the files it reaches (path from it: source hash). */
  readonly module: string
  readonly files: Readonly<Record<string, string>>
  readonly packages: readonly string[]
  /**
   * What it closes over that the call which made it had (a factory's parameters), each
   * variable by its scope's maker and name: the hash of its value's token.
   */
  readonly captured?: Readonly<Record<string, string>>
}

/**
 * The cache key of every node of a graph. A task's key covers its function (where its
 * module's evaluation made it, and the fingerprint of that module's code: its source
 * and the project's modules it imports, transitively), its arguments, each dependency
 * standing in by its own key, or a small one by what its key is made of (see
 * content-key.ts: big data is hashed once, where it enters the graph), and taskgraph's
 * version.
 *
 * Most tasks are named by the key the graph already gave them, when it is portable (the
 * same in every process: see `TaskGraph.portable`): it covers the function by where it
 * was made, the arguments, and the dependencies by their keys, so the cache adds the
 * code of every function the task's result comes from (its `FunctionSet`) and nothing
 * else is read. Other tasks and data are named by a token made of their content, as
 * the graph's own keys are not (a function in an argument, a plain object, data, an
 * explicit key), each dependency standing in by what its dependents hold of it (its
 * ref). Either way a token is a few strings put together, dependencies first; a key, a
 * SHA-256 of a node's ref and function set, is made only when asked for. A graph of
 * 10,000 tasks is keyed once per run, so nodes are kept in flat arrays rather than an
 * object each.
 */
export class TaskKeys {
  /** The recipe of each function of a stored task, by its id. */
  readonly recipes = new Map<string, FunctionRecipe>()
  readonly #kinds: Uint8Array
  /**
   * What a dependent's token holds of each keyed or stored node (see `refOf`); for one
   * named by its portable key, `undefined` until asked for (`#ref`): most are never
   * asked, and 10,000 strings made for nothing are a cold run's garbage.
   */
  readonly #refs: (string | undefined)[]
  /** The functions each keyed or stored node's result comes from. */
  readonly #sets: FunctionSet[]
  readonly #functionSets = new FunctionSets()
  readonly #keys = new Map<number, string>()
  readonly #reasons = new Map<number, string>()
  readonly #functions = new Map<AnyFunction, FunctionFacts | string | undefined>()
  readonly #captured = new CapturedVariables()
  /** Functions `#madeFunctionToken` is naming: one that holds itself cannot be named. */
  readonly #making = new Set<AnyFunction>()
  /** The function met last: a graph's tasks come in runs of one function. */
  #lastFunction: AnyFunction | undefined
  #lastFacts: FunctionFacts | string | undefined
  /** Why the node being keyed cannot be: the first dependency met that is not keyed. */
  #blocked: string | undefined
  /** The function set of the node being keyed, as its token meets dependencies. */
  #set: FunctionSet
  readonly #parts: StableTokenParts = {
    keyOf: (delayed) => this.#dependencyRef(delayed),
    functionToken: (fn) => {
      const facts = this.#functionFacts(fn)
      return typeof facts === 'object' ? facts.token : undefined
    },
  }

  constructor(
    private readonly graph: TaskGraph,
    private readonly fingerprints: SourceFingerprints,
  ) {
    this.#kinds = new Uint8Array(graph.size)
    this.#refs = new Array<string | undefined>(graph.size)
    this.#sets = new Array<FunctionSet>(graph.size)
    this.#set = this.#functionSets.empty
    // Nodes come dependencies first.
    try {
      this.#keyNodes()
    } finally {
      this.#captured.close()
    }
  }

  kind(i: number): KeyKind {
    return KINDS[this.#kinds[i]!]!
  }

  /** Whether node `i`'s result is kept in the cache. */
  stored(i: number): boolean {
    return this.#kinds[i] === STORED
  }

  /** The `'unkeyable'` nodes, in order: most graphs have none, and 10,000 others. */
  unkeyable(): IterableIterator<number> {
    return this.#reasons.keys()
  }

  /** Why node `i` cannot be keyed (one line), for an `'unkeyable'` one. */
  reason(i: number): string {
    return this.#reasons.get(i) ?? ''
  }

  /** The key of node `i` (64 hex digits), for a `'stored'` or `'keyed'` one; else `''`. */
  key(i: number): string {
    const kind = this.#kinds[i]
    if (kind !== STORED && kind !== KEYED) return ''
    let key = this.#keys.get(i)
    if (key === undefined) {
      key = keyOf(this.#ref(i), this.#sets[i]!.token)
      this.#keys.set(i, key)
    }
    return key
  }

  /**
   * Whether function `fn` holds state besides its code (see `#closure`), or cannot be
   * keyed at all: a graph holding it makes a result its own code does not decide.
   */
  holdsState(fn: AnyFunction): boolean {
    try {
      const facts = this.#functionFacts(fn)
      return typeof facts === 'string' || (facts !== undefined && facts.holdsState)
    } finally {
      this.#captured.close()
    }
  }

  /** The id of the function of `'stored'` node `i`: what its recipe is kept as. */
  fn(i: number): string {
    const facts = this.#functionFacts(this.graph.fn(i)!)
    return typeof facts === 'object' ? facts.id : ''
  }

  /**
   * Keys every node. A node like the one before it (a fan-out's leaves: a task of the
   * same function and spec, without dependencies, named by its portable key) is keyed
   * as that one was without `#keyNode`: in a fresh process, where this code runs before
   * the compiler has seen it, a tight loop costs a tenth of a call per node.
   */
  #keyNodes(): void {
    const graph = this.graph
    const { depStart } = graph
    const kinds = this.#kinds
    const sets = this.#sets
    let like = -1
    for (let i = 0; i < graph.size; i++) {
      if (
        like !== -1 &&
        depStart[i] === depStart[i + 1] &&
        graph.fn(i) === graph.fn(like) &&
        graph.spec(i) === graph.spec(like) &&
        graph.portable(i)
      ) {
        kinds[i] = kinds[like]!
        sets[i] = sets[like]!
        like = i
        continue
      }
      this.#keyNode(i)
      like = this.#keysAlike(i) ? i : -1
    }
  }

  /**
   * Whether the next node, if it is a task of the same function and spec as node `i`,
   * without dependencies and with a portable key, is keyed as node `i` was: one keyed
   * without a ref of its own is a task named by its portable key (see `#keyNode`).
   */
  #keysAlike(i: number): boolean {
    const kind = this.#kinds[i]
    return (
      (kind === STORED || kind === KEYED) &&
      this.#refs[i] === undefined &&
      this.graph.depStart[i] === this.graph.depStart[i + 1]
    )
  }

  /** The ref of keyed or stored node `i` (see `refOf`). */
  #ref(i: number): string {
    return this.#refs[i] ?? portableRef(this.graph.key(i))
  }

  #keyNode(i: number): void {
    const graph = this.graph
    const fn = graph.fn(i)
    this.#blocked = undefined
    this.#set = this.#functionSets.empty
    if (fn === undefined) {
      const token = stableTokenChunks(graph.value(i), this.#parts)
      if (this.#blocked !== undefined) this.#unkeyable(i, this.#blocked)
      else if (token === undefined) this.#unkeyable(i, UNKEYABLE_DATA)
      else this.#keyed(i, KEYED, dataRef(token))
      return
    }
    const spec = graph.spec(i)
    const rearranges = spec.rearranges === true
    if (!spec.pure && !rearranges) {
      this.#kinds[i] = IMPURE
      return
    }
    let facts: FunctionFacts | undefined
    if (!rearranges) {
      const known = this.#functionFacts(fn)
      if (typeof known !== 'object') {
        this.#unkeyable(i, known ?? UNNAMED_FUNCTION)
        return
      }
      facts = known
      this.#set = this.#functionSets.of(facts.entry)
    }
    const kind = facts === undefined || spec.cache !== true ? KEYED : STORED
    if (facts !== undefined && graph.portable(i)) {
      // Named by the graph's key: the dependencies add their function sets.
      let last: FunctionSet | undefined
      for (let e = graph.depStart[i]!; e < graph.depStart[i + 1]!; e++) {
        const d = graph.depNodes[e]!
        const dependency = this.#kinds[d]
        if (dependency !== STORED && dependency !== KEYED) {
          this.#unkeyable(i, this.#reasonOf(d))
          return
        }
        const set = this.#sets[d]!
        if (set === last) continue
        last = set
        this.#set = this.#functionSets.union(this.#set, set)
      }
      this.#keyed(i, kind, undefined, facts)
      return
    }
    const refStart = facts?.refStart ?? taskRefStart(`taskgraph:${spec.name}`)
    const args = stableTokenChunks(graph.recordedArgs(i), this.#parts, true)
    // A dependency that is not keyed leaves this node unkeyed, for the dependency's reason.
    if (this.#blocked !== undefined) this.#unkeyable(i, this.#blocked)
    else if (args === undefined) this.#unkeyable(i, UNKEYABLE_ARGUMENT)
    else this.#keyed(i, kind, taskRef(refStart, args), facts)
  }

  /** `ref` is left out for a node named by its portable key (see `#ref`). */
  #keyed(i: number, kind: number, ref: string | undefined, facts?: FunctionFacts): void {
    if (kind === STORED && !this.recipes.has(facts!.id)) {
      this.recipes.set(facts!.id, facts!.recipe())
    }
    this.#kinds[i] = kind
    this.#refs[i] = ref
    this.#sets[i] = this.#set
  }

  #unkeyable(i: number, reason: string): void {
    this.#kinds[i] = UNKEYABLE
    this.#reasons.set(i, reason)
  }

  #dependencyRef(delayed: Delayed): string {
    const d = this.graph.nodeOf(delayed)!
    const kind = this.#kinds[d]
    if (kind === STORED || kind === KEYED) {
      this.#set = this.#functionSets.union(this.#set, this.#sets[d]!)
      return this.#ref(d)
    }
    this.#blocked ??= this.#reasonOf(d)
    return ''
  }

  /** Why what depends on node `d`, which is neither stored nor keyed, cannot be keyed. */
  #reasonOf(d: number): string {
    return this.#kinds[d] === IMPURE
      ? `it depends on the impure task ${JSON.stringify(this.graph.key(d))}`
      : this.#reasons.get(d)!
  }

  /** What names `fn` in keys, why it cannot be named, or `undefined` if nothing made it. */
  #functionFacts(fn: AnyFunction): FunctionFacts | string | undefined {
    if (fn === this.#lastFunction) return this.#lastFacts
    let facts = this.#functions.get(fn)
    if (facts === undefined && !this.#functions.has(fn)) {
      // What it closes over may hold functions that close over it.
      this.#functions.set(fn, CLOSURE_CYCLE)
      facts = factsOfFunction(fn, this.fingerprints, (made) => this.#closure(made))
      this.#functions.set(fn, facts)
    }
    this.#lastFunction = fn
    this.#lastFacts = facts
    return facts
  }

  /**
   * What `fn` holds besides its code (see `CapturedVariables`): what it closes over that
   * the call which made it had, or what `bind` was given, and the properties it was
   * given (`fn.scale = 2`); each as a token, for the function's own token, and its hash,
   * for its recipe. Or why it cannot be keyed.
   */
  #closure(fn: AnyFunction): Closure | string {
    let scopes: CapturedScope[] | undefined
    try {
      scopes = this.#captured.of(fn)
    } catch (error) {
      return `what its function closes over could not be read (${(error as Error).message})`
    }
    // An arrow function's `this` is its maker's, which no scope lists (a method's `this`,
    // or a module's, which no arrow of a task has a use for).
    if (usesMakersThis(fn)) return ARROW_THIS
    const own = ownProperties(fn)
    if (typeof own === 'string') return own
    if (own.length > 0) (scopes ??= []).push({ maker: 'own property', variables: own })
    // Without an inspector (a Node built without one), the module's source alone keys it.
    if (scopes === undefined || scopes.length === 0) return NOTHING_CAPTURED
    let blocked = false
    const parts: StableTokenParts = {
      keyOf: () => {
        blocked = true
        return ''
      },
      // A function a factory made to call itself closes over itself.
      functionToken: (inner) => {
        if (inner === fn) return 'itself'
        const facts = this.#functionFacts(inner)
        if (typeof facts === 'object') return facts.token
        return facts === undefined ? this.#madeFunctionToken(inner) : undefined
      },
    }
    const tokens: string[] = []
    const recipe: Record<string, string> = {}
    for (const { maker, variables } of scopes) {
      for (const [name, value] of variables) {
        const chunks = stableTokenChunks(value, parts)
        if (chunks === undefined || blocked) return uncapturable(maker, name)
        const token = chunks.join('')
        tokens.push(`${maker}\0${name}\0${token}`)
        recipe[maker === '' ? name : `${name} (of ${maker})`] ??= hashToken(token)
      }
    }
    return { token: tokens.join('\0'), recipe }
  }

  /**
   * What names `fn`, a function no `delayed` saw made (a helper a factory was given, a
   * function `bind` was given): its code and what it holds besides (`#closure`). The
   * module whose code made it is one the factory's caller reaches (it handed it over),
   * whose source its fingerprint covers. `undefined` for a built-in function, whose code
   * reads `[native code]` and that holds nothing, and for functions that hold each other.
   */
  #madeFunctionToken(fn: AnyFunction): string | undefined {
    if (this.#making.has(fn)) return undefined
    this.#making.add(fn)
    try {
      const code = Function.prototype.toString.call(fn)
      const closed = this.#closure(fn)
      if (typeof closed === 'string') return undefined
      if (code.includes('[native code]') && closed.token === '') return undefined
      return `code:${hashToken(code)}${closed.token === '' ? '' : `:holds:${closed.token}`}`
    } finally {
      this.#making.delete(fn)
    }
  }
}

/** What a function closes over, for its token and its recipe (see `TaskKeys#closure`). */
interface Closure {
  readonly token: string
  readonly recipe?: Readonly<Record<string, string>>
}

const NOTHING_CAPTURED: Closure = { token: '' }

const ARROW_THIS =
  "its function is an arrow function using `this`, the `this` of the code that made it (a method's), which a key cannot see; pass what it reads to the task as an argument"

// Properties every function has, or a class or sloppy-mode one.
const FUNCTION_PROPERTIES = new Set(['length', 'name', 'prototype', 'arguments', 'caller'])

/**
 * The properties `fn` was given (`fn.scale = 2`), which its code may read; or why they
 * cannot be keyed (a symbol key, a getter).
 */
function ownProperties(fn: AnyFunction): (readonly [string, unknown])[] | string {
  const properties: (readonly [string, unknown])[] = []
  for (const key of Reflect.ownKeys(fn)) {
    if (typeof key === 'string' && FUNCTION_PROPERTIES.has(key)) continue
    const descriptor = Object.getOwnPropertyDescriptor(fn, key)!
    if (typeof key === 'symbol' || !('value' in descriptor)) {
      return `its function has a property ${String(key)} that is ${typeof key === 'symbol' ? 'keyed by a symbol' : 'a getter or setter'}, which a key cannot read; pass what it holds to the task as an argument`
    }
    properties.push([key, descriptor.value])
  }
  return properties
}

/**
 * Whether `fn` is an arrow function whose code uses `this`: the `this` of the function
 * that made it (a text search: a `this` in a string or a comment counts too).
 */
function usesMakersThis(fn: AnyFunction): boolean {
  const code = Function.prototype.toString.call(fn)
  // `this` first: most code has none, and the pattern costs a fresh process a third of a
  // millisecond to compile.
  return /\bthis\b/.test(code) && ARROW_START.test(code)
}

// How an arrow function's code starts: `(x) =>`, `x =>`, `async (x) =>`, `async x =>`
// (a method's starts with its name, `function`, `class` or `*`, never with `(`).
const ARROW_START = /^(?:async\s*)?(?:\(|[\p{L}_$][\p{L}\p{N}_$]*\s*=>)/u

const CLOSURE_CYCLE =
  'its function closes over functions a factory made that close over each other, which cannot be named across runs; pass what they share to the task as an argument'

/** Why a function closing over `name` of the call to `maker` cannot be keyed. */
function uncapturable(maker: string, name: string): string {
  const call = maker === '' ? 'the call that made it' : `the call to ${maker} that made it`
  return `its function closes over ${JSON.stringify(name)} of ${call}, which holds a function made at run time, a symbol, a class instance, a task's result or data nested deeper than 64 levels, which cannot be named across runs; pass it to the task as an argument`
}

/** A function as keys name it. */
interface FunctionFacts {
  readonly token: string
  /** A hash of `token`: what stored entries name it by, and its tasks' tokens hold. */
  readonly id: string
  /** What its tasks' refs start with (see `taskRefStart`). */
  readonly refStart: string
  /** Whether it holds state besides its code: what a factory or `bind` gave it. */
  readonly holdsState: boolean
  /** What function sets hold of it: the graph's name of it (`functionToken`) and `id`. */
  readonly entry: string
  readonly recipe: () => FunctionRecipe
}

const UNNAMED_FUNCTION =
  'its function was not made by the top-level code of a module (a function made at run time cannot be named across runs)'
const UNKEYABLE_ARGUMENT =
  'an argument holds a function made at run time, a symbol, a class instance, an array or a Map with properties of its own (a.scale = 10) or data nested deeper than 64 levels, which cannot be named across runs'
const UNKEYABLE_DATA =
  'it uses data holding a function made at run time, a symbol, a class instance, an array or a Map with properties of its own (a.scale = 10) or data nested deeper than 64 levels, which cannot be named across runs'

/**
 * Why a function keyed by the module at `module` cannot be keyed: `file`, which its code
 * is made of, changed after this process loaded that code (or is dated in the future).
 * Its key would hold what the file reads now, and its result what the code loaded
 * before made: a later process, running the file as it reads now, would be handed it.
 */
function changedSinceLoaded(file: Newest, module: string): string {
  const which =
    file.path === module ? shown(module) : `${shown(file.path)}, which ${shown(module)} imports,`
  // A clock ahead of this machine's (a network file system's) dates a file in the future.
  if (file.modifiedMs > Date.now()) {
    return `${which} was modified in the future (${new Date(file.modifiedMs).toISOString()}, by this machine's clock), so whether it changed after this process loaded its code cannot be told; correct its modification time (touch it), or the clock`
  }
  return `${which} changed after this process loaded its code (modules are loaded once, so it still runs as it was); restart the process to have its tasks cached again`
}

/**
 * A function as named across runs (see `functionIdentity`), with its name and which
 * function of that name its origin's evaluation made; why it cannot be keyed; or
 * `undefined` for a function no module's top-level code made.
 */
function factsOfFunction(
  fn: AnyFunction,
  fingerprints: SourceFingerprints,
  closure: (fn: AnyFunction) => Closure | string,
): FunctionFacts | string | undefined {
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
    return `its module imports (itself or through another) ${JSON.stringify(unfollowable)}, which names no installed package (a path alias?), so the code it stands for cannot be followed; import that module by a relative path`
  }
  // Modules are evaluated once: a file changed since runs as it was, not as it reads now.
  const loadedAt = moduleRecordedAt(origin.url) ?? performance.timeOrigin
  const changed = fingerprints.changedAfter(identity.module, loadedAt)
  if (changed !== undefined) return changedSinceLoaded(changed, identity.module)
  // A function a factory made (`makeScaler(k)`) is keyed by what that call had as well.
  const closed = closure(fn)
  if (typeof closed === 'string') return closed
  const captured = closed.token === '' ? '' : `:closes over:${closed.token}`
  const token = `${identity.identity}:${origin.name}:${origin.occurrence}${captured}`
  // A function's part of its tasks' tokens is the hash of its token: half the bytes to
  // hash per task.
  const id = hashToken(`function\0${token}`)
  return {
    token,
    id,
    refStart: taskRefStart(id),
    holdsState: closed.token !== '',
    entry: `${functionToken(fn).token}=${id}`,
    recipe: () => ({
      name: origin.name,
      module: identity.module,
      ...fingerprints.parts(identity.module),
      ...(closed.recipe === undefined ? {} : { captured: closed.recipe }),
    }),
  }
}
