import type { Delayed } from '../lazy/delayed.js'
import { isDelayed } from '../lazy/is-delayed.js'
import { hasOwnUniqueKey, KeyKind, type TaskSpec } from '../lazy/lazy-node.js'
import { KeyClashError } from '../errors.js'
import { recordArgs, resolveArgs } from '../lazy/lazy-args.js'
import type { TaskOptions } from '../task-options.js'
import { tokenize } from './tokenize.js'
import type { AnyFunction } from '../types.js'

/**
 * The graph that some targets need, collected from their `Delayed` values: one node per
 * key (identical tasks merged, clashing ones rejected), nothing the targets do not need
 * (culled by construction), and nodes numbered in depth-first post-order from the
 * targets. That order is topological and finishes one chain before starting the next,
 * which the scheduler uses as its priority to keep few intermediate results alive.
 *
 * Edges are stored as compressed rows of node indices, the form schedulers walk fastest.
 */
export class TaskGraph {
  /** Number of nodes. */
  readonly size: number
  /** Node `i` depends on `depNodes[depStart[i]]` … `depNodes[depStart[i + 1] - 1]`, each once. */
  readonly depStart: Int32Array
  /** See `depStart`. */
  readonly depNodes: Int32Array
  /** The node of each `Delayed` found in the targets, in order (a node may repeat). */
  readonly outputs: Int32Array
  private dependentRows: Rows | undefined

  private constructor(
    private readonly nodes: readonly Delayed[],
    private readonly refStart: Int32Array,
    private readonly refNodes: Int32Array,
    outputs: Int32Array,
    private readonly targets: readonly unknown[],
    private readonly targetsDeep: boolean,
    private index: ReadonlyMap<string, number> | undefined,
    /** The collection that numbered the nodes (see `Collector`). */
    private readonly collection: number,
  ) {
    this.size = nodes.length
    this.outputs = outputs
    ;[this.depStart, this.depNodes] = uniqueRows(nodes.length, refStart, refNodes)
  }

  /**
   * Collects the graph of `targets`: values that are, or hold in arrays and plain
   * objects, `Delayed` values. `caller` names the public call in error messages.
   * `known`: results already at hand, by task key (a persistent cache's): each of those
   * tasks is a data node holding its result, and what only it needed is left out.
   * @throws {KeyClashError} when two different tasks share a key
   */
  static collect(
    caller: string,
    targets: readonly unknown[],
    known?: ReadonlyMap<string, unknown>,
  ): TaskGraph {
    const recorded = targets.slice()
    const roots: Delayed[] = []
    const deep = recordArgs(recorded, roots, caller)
    const collector = new Collector(caller, known)
    for (const root of roots) collector.visit(root)
    collector.checkDuplicates()
    const outputs = Int32Array.from(roots, (root) => collector.holder(root)!)
    return new TaskGraph(
      collector.nodes,
      Int32Array.from(collector.refStart),
      Int32Array.from(collector.refNodes),
      outputs,
      recorded,
      deep,
      collector.index,
      collector.id,
    )
  }

  /**
   * Each node's dependents, as compressed rows: those of node `i` are
   * `nodes[start[i]]` … `nodes[start[i + 1] - 1]`, each once, in increasing order.
   * Made on first use (the dependency rows turned around), then kept.
   */
  dependents(): Rows {
    return (this.dependentRows ??= invertRows(this.size, this.depStart, this.depNodes))
  }

  /** The `Delayed` that node `i` stands for. */
  delayed(i: number): Delayed {
    return this.nodes[i]!
  }

  key(i: number): string {
    return this.nodes[i]!.key
  }

  /**
   * Whether node `i`'s key is the same in every process that builds the same call (see
   * `LazyNode.portable`): a persistent cache may name the task by it.
   */
  portable(i: number): boolean {
    return this.nodes[i]!._portable === true
  }

  /** The node of the task or data with key `key`, if the graph holds it. */
  indexOf(key: string): number | undefined {
    return (this.index ??= indexNodes(this.nodes)).get(key)
  }

  /**
   * The node of `delayed` (a dependency found in a task's arguments, say), if the graph
   * holds its key: read from its mark, unless a later collection has marked it since or
   * it was merged with another object of its key, so that finding the nodes of a graph's
   * dependencies does not index every key.
   */
  nodeOf(delayed: Delayed): number | undefined {
    const at = delayed._node
    if (delayed._collection === this.collection && this.nodes[at] === delayed) return at
    return this.indexOf(delayed.key)
  }

  name(i: number): string {
    return this.nodes[i]!._spec.name
  }

  /** What every task of node `i`'s delayed function shares: name, purity, caching. */
  spec(i: number): TaskSpec {
    return this.nodes[i]!._spec
  }

  /**
   * The arguments of task `i` as they were recorded, dependencies as their `Delayed`
   * values (`undefined` for a data node).
   */
  recordedArgs(i: number): readonly unknown[] | undefined {
    return this.nodes[i]!._args
  }

  /** The task function of node `i`, or `undefined` for a data node. */
  fn(i: number): AnyFunction | undefined {
    return this.nodes[i]!._fn
  }

  /** The value of data node `i`. */
  value(i: number): unknown {
    return this.nodes[i]!._value
  }

  /** The retries and time limit set for task `i` (by `delayed(fn, options)`). */
  options(i: number): TaskOptions {
    return this.nodes[i]!._spec.options ?? NO_OPTIONS
  }

  /**
   * Whether task `i` runs on the thread that computes the graph, whatever the executor:
   * tasks that only rearrange results already there (`get`, `at`, `gather`, `call`), and
   * those made with `delayed(fn, { mainThread: true })`.
   */
  runsOnMainThread(i: number): boolean {
    return this.nodes[i]!._spec.mainThread === true
  }

  /**
   * Where task `i`'s dependencies' results go in its argument list, when they all go in
   * directly (not inside arrays or objects); otherwise `undefined`. A worker given the
   * arguments with these places empty can fill them in itself.
   */
  holes(i: number): number[] | undefined {
    const node = this.nodes[i]!
    if (node._deep || node._args === undefined) return undefined
    const holes: number[] = []
    for (let a = 0; a < node._args.length; a++) if (isDelayed(node._args[a])) holes.push(a)
    return holes
  }

  /** The arguments of task `i`, given the results of the nodes it depends on. */
  args(i: number, results: ArrayLike<unknown>): unknown[] {
    const node = this.nodes[i]!
    return resolveArgs(node._args!, node._deep, results, this.refNodes, this.refStart[i]!)
  }

  /** The targets with every `Delayed` replaced by its node's result. */
  assemble(results: ArrayLike<unknown>): unknown[] {
    return resolveArgs(this.targets, this.targetsDeep, results, this.outputs, 0)
  }
}

const NO_OPTIONS: TaskOptions = Object.freeze({})

// Numbers collections, so that each one can mark the objects it has numbered. One
// counter for every copy of taskgraph in the process: a graph can hold another copy's
// values, which that copy's collections mark too, and two collections must never share
// a number.
const COLLECTIONS = Symbol.for('taskgraph.collections')

function nextCollection(): number {
  const shared = globalThis as { [COLLECTIONS]?: number }
  return (shared[COLLECTIONS] = (shared[COLLECTIONS] ?? 0) + 1)
}

/**
 * Iterative depth-first collection; recursion would overflow on long chains.
 *
 * Each object numbered is marked with the collection and its node (`_collection`,
 * `_node`), so meeting it again, as each of its dependents does, costs two field reads. The
 * index of nodes by key, which finds different objects under one key, is left out while
 * every node has a unique key of this copy's (the default for a task; no two objects share
 * one), and made from the nodes so far when the first node of another kind comes: that
 * index's upkeep was half of collecting a graph of generated keys.
 */
class Collector {
  readonly id = nextCollection()
  readonly nodes: Delayed[] = []
  index: Map<string, number> | undefined
  readonly refStart: number[] = [0]
  readonly refNodes: number[] = []
  /** Objects found under a key another object already holds, to be compared. */
  private readonly duplicates: Delayed[] = []
  private readonly compared = new Set<Delayed>()

  constructor(
    private readonly caller: string,
    private readonly known: ReadonlyMap<string, unknown> | undefined,
  ) {}

  /** The node holding `node`'s key, if any: `node` itself or another object. */
  holder(node: Delayed): number | undefined {
    if (node._collection === this.id) return node._node
    if (this.index === undefined) {
      if (hasOwnUniqueKey(node)) return undefined
      this.index = indexNodes(this.nodes)
    }
    return this.index.get(node.key)
  }

  visit(root: Delayed): void {
    const at = this.holder(root)
    if (at !== undefined) {
      if (this.nodes[at] !== root) this.duplicates.push(root)
      return
    }
    if (this.collectKnown(root)) return
    const stack: Delayed[] = [root]
    const positions: number[] = [0]
    while (stack.length > 0) {
      const top = stack.length - 1
      const node = stack[top]!
      const position = positions[top]!
      if (position < node._refs.length) {
        positions[top] = position + 1
        const child = node._refs[position]!
        const at = this.holder(child)
        if (at !== undefined) {
          if (this.nodes[at] !== child) this.duplicates.push(child)
        } else if (!this.collectKnown(child)) {
          stack.push(child)
          positions.push(0)
        }
      } else {
        stack.pop()
        positions.pop()
        this.finish(node)
      }
    }
  }

  /**
   * Collects `node` as the data node of its known result, if it has one: as a persisted
   * result, which the task it stands for merges with (see `sameTask`).
   */
  private collectKnown(node: Delayed): boolean {
    const known = this.known
    if (known === undefined || node._fn === undefined || !known.has(node.key)) return false
    this.finish(node._withValue(known.get(node.key)))
    // The task's own object stands for the data node in its dependents' rows.
    node._collection = this.id
    node._node = this.nodes.length - 1
    return true
  }

  private finish(node: Delayed): void {
    // The key can be taken by now when an explicit key repeats inside the node's own
    // dependencies (a clash) or when the same object was reached twice on one path.
    const taken = this.holder(node)
    if (taken !== undefined) {
      if (this.nodes[taken] !== node) this.duplicates.push(node)
      return
    }
    const at = this.nodes.length
    this.index?.set(node.key, at)
    this.nodes.push(node)
    node._collection = this.id
    node._node = at
    const refs = node._refs
    for (let r = 0; r < refs.length; r++) {
      const ref = refs[r]!
      // An object not marked merged with the one holding its key (so the index is made).
      this.refNodes.push(ref._collection === this.id ? ref._node : this.index!.get(ref.key)!)
    }
    this.refStart.push(this.refNodes.length)
  }

  /**
   * Each object under a taken key must be the same task as the holder (then it merges)
   * or the graph is rejected. Its own dependencies are checked too: a merged object's
   * dependencies have the holder's keys but may be clashing objects.
   */
  checkDuplicates(): void {
    while (this.duplicates.length > 0) {
      const node = this.duplicates.pop()!
      if (this.compared.has(node)) continue
      this.compared.add(node)
      const at = this.holder(node)
      const holder = at === undefined ? undefined : this.nodes[at]
      if (holder === undefined || holder === node) continue
      if (!sameTask(holder, node)) throw clash(this.caller, holder, node)
      if (isPersisted(holder) || isPersisted(node)) continue
      // Same task, so the same dependency keys, all collected with the holder.
      for (const ref of node._refs) this.duplicates.push(ref)
    }
  }
}

function indexNodes(nodes: readonly Delayed[]): Map<string, number> {
  const index = new Map<string, number>()
  for (let i = 0; i < nodes.length; i++) index.set(nodes[i]!.key, i)
  return index
}

function isPersisted(node: Delayed): boolean {
  return node._keyKind === KeyKind.Persisted
}

function sameTask(a: Delayed, b: Delayed): boolean {
  // A persisted value is the result of the task with its key.
  if (isPersisted(a) || isPersisted(b)) return true
  // Content keys are hashes of function identity and arguments: equal keys, equal tasks.
  if (a._keyKind === KeyKind.Content && b._keyKind === KeyKind.Content) return true
  if (a._fn !== b._fn) return false
  if (a._fn === undefined) return tokenize(a._value) === tokenize(b._value)
  return tokenize(a._args) === tokenize(b._args)
}

function clash(caller: string, a: Delayed, b: Delayed): KeyClashError {
  return new KeyClashError({
    key: a.key,
    message:
      `${caller}: two different tasks have the key ${JSON.stringify(a.key)} (${describeNode(a)} and ${describeNode(b)}). ` +
      'A key names exactly one task: give one of them another key with .with({ key }), or drop the explicit key to get a unique one.',
  })
}

function describeNode(node: Delayed): string {
  return node._fn === undefined ? `data "${node.name}"` : `function ${node.name}`
}

/** Compressed rows: row `i` is `nodes[start[i]]` … `nodes[start[i + 1] - 1]`. */
export interface Rows {
  readonly start: Int32Array
  readonly nodes: Int32Array
}

/** Rows of unique entries from rows that may repeat (a task can use one value twice). */
function uniqueRows(
  size: number,
  start: Int32Array,
  entries: Int32Array,
): [Int32Array, Int32Array] {
  const outStart = new Int32Array(size + 1)
  const out = new Int32Array(entries.length)
  const lastRow = new Int32Array(size).fill(-1)
  let n = 0
  for (let i = 0; i < size; i++) {
    for (let e = start[i]!; e < start[i + 1]!; e++) {
      const node = entries[e]!
      if (lastRow[node] !== i) {
        lastRow[node] = i
        out[n++] = node
      }
    }
    outStart[i + 1] = n
  }
  return [outStart, n === out.length ? out : out.slice(0, n)]
}

/** The rows turned around: row `j` lists the rows holding `j` (a counting sort by entry). */
function invertRows(size: number, start: Int32Array, entries: Int32Array): Rows {
  const outStart = new Int32Array(size + 1)
  for (let e = 0; e < entries.length; e++) outStart[entries[e]! + 1]!++
  for (let i = 0; i < size; i++) outStart[i + 1]! += outStart[i]!
  const fill = outStart.slice(0, size)
  const out = new Int32Array(entries.length)
  for (let i = 0; i < size; i++) {
    for (let e = start[i]!; e < start[i + 1]!; e++) out[fill[entries[e]!]!++] = i
  }
  return { start: outStart, nodes: out }
}
