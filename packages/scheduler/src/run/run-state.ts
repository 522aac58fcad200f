import type { AnyFunction, TaskOptions } from '@taskgraph/core'
import type { TaskGraph } from '@taskgraph/core/internal'
import type { FusedStep, OwnedValue } from '../executors/executor.js'
import { planChains } from './fuse-chains.js'
import type { ReadyQueue } from './ready-queue.js'

/**
 * Where a run's graph stands: each node's result, what each still waits for, who still
 * needs each result, and (for remote executors) which tasks are fused into chains. A
 * result is dropped as soon as every task that needs it has finished, unless it is an
 * output. GraphRun decides what runs when; this keeps the counts.
 */
export class RunState {
  readonly results: unknown[]
  /** Unfinished dependencies of each node; it is ready at 0. */
  private readonly waiting: Int32Array
  /** Unfinished dependents of each node (+1 for outputs); its result is dropped at 0. */
  private readonly holders: Int32Array
  private readonly outputFlags: Uint8Array
  private readonly dependentStart: Int32Array
  private readonly dependentNodes: Int32Array
  /** The task fused after each node (-1: none), and those fused in; remote executors only. */
  private readonly chainNext: Int32Array | undefined
  private readonly fusedIn: Uint8Array | undefined
  /** Nodes that are tasks (not data). */
  readonly taskCount: number

  constructor(
    readonly graph: TaskGraph,
    fusion: {
      readonly optionsOf: (i: number) => TaskOptions
      readonly canFuse: (fn: AnyFunction) => boolean
      /** Whether the result of node `i` is stored in a cache (it must come back). */
      readonly stored?: (i: number) => boolean
    } | null,
    /** Told of each result dropped (see `Executor.release`). */
    private readonly dropped?: (value: unknown) => void,
  ) {
    const size = graph.size
    const { depStart } = graph
    this.results = new Array<unknown>(size)
    this.waiting = new Int32Array(size)
    this.holders = new Int32Array(size)
    this.outputFlags = new Uint8Array(size)
    const { start, nodes } = graph.dependents()
    let tasks = 0
    for (let i = 0; i < size; i++) {
      this.waiting[i] = depStart[i + 1]! - depStart[i]!
      this.holders[i] = start[i + 1]! - start[i]!
      if (graph.fn(i) !== undefined) tasks++
    }
    for (const output of graph.outputs) {
      if (this.outputFlags[output] === 0) this.holders[output]!++
      this.outputFlags[output] = 1
    }
    this.dependentStart = start
    this.dependentNodes = nodes
    this.taskCount = tasks
    if (fusion !== null) {
      const chains = planChains(
        graph,
        this.outputFlags,
        fusion.optionsOf,
        fusion.canFuse,
        fusion.stored,
      )
      this.chainNext = chains.next
      this.fusedIn = chains.fusedIn
    }
  }

  /** Whether node `i`'s result goes back to the caller. */
  isOutput(i: number): boolean {
    return this.outputFlags[i] === 1
  }

  /** Whether node `i` waits for nothing. */
  isReady(i: number): boolean {
    return this.waiting[i] === 0
  }

  /** The nodes a call runs: `i`, then any tasks fused after it. */
  chainOf(i: number): number[] {
    const members = [i]
    const next = this.chainNext
    if (next !== undefined) for (let m = next[i]!; m !== -1; m = next[m]!) members.push(m)
    return members
  }

  /** Undoes the fusion after each of `members`: the task after it runs as a call of its own. */
  unfuse(members: readonly number[]): void {
    const { chainNext, fusedIn } = this
    if (chainNext === undefined || fusedIn === undefined) return
    for (const m of members) {
      const next = chainNext[m]!
      if (next === -1) continue
      chainNext[m] = -1
      fusedIn[next] = 0
    }
  }

  /** The fused steps of a call headed by `members[0]`, with their arguments resolved. */
  stepsOf(members: readonly number[]): FusedStep[] {
    const graph = this.graph
    return members.slice(1).map((m) => ({
      key: graph.key(m),
      name: graph.name(m),
      fn: graph.fn(m)!,
      args: graph.args(m, this.results),
      holes: graph.holes(m)!,
    }))
  }

  /**
   * The results task `i` needs that no other task will read: only results this run made
   * may be given away (a data node is a value the user holds, a persisted result or a
   * literal), and an output goes back to the user.
   */
  ownedBy(i: number): { readonly owned: OwnedValue[]; readonly nodes: number[] } {
    const graph = this.graph
    const owned: OwnedValue[] = []
    const nodes: number[] = []
    for (let e = graph.depStart[i]!; e < graph.depStart[i + 1]!; e++) {
      const dependency = graph.depNodes[e]!
      if (
        this.holders[dependency] === 1 &&
        this.outputFlags[dependency] === 0 &&
        graph.fn(dependency) !== undefined
      ) {
        owned.push({ key: graph.key(dependency), value: this.results[dependency] })
        nodes.push(dependency)
      }
    }
    return { owned, nodes }
  }

  /** Lets go of results only a call in flight still needs: the executor holds them now. */
  release(nodes: readonly number[]): void {
    for (const node of nodes) if (this.holders[node] === 1) this.results[node] = undefined
  }

  /**
   * Records node `i`'s result: results no one needs any more are dropped, and the
   * dependents that now wait for nothing join `ready` (not those fused after `i`: they
   * ran in the same call).
   */
  complete(i: number, value: unknown, ready: ReadyQueue): void {
    const { results, holders, waiting, dependentStart, dependentNodes, fusedIn } = this
    const { depStart, depNodes } = this.graph
    results[i] = value
    for (let e = depStart[i]!; e < depStart[i + 1]!; e++) {
      const dependency = depNodes[e]!
      if (--holders[dependency]! === 0) {
        const value = results[dependency]
        results[dependency] = undefined
        if (value !== undefined) this.dropped?.(value)
      }
    }
    for (let e = dependentStart[i]!; e < dependentStart[i + 1]!; e++) {
      const dependent = dependentNodes[e]!
      if (--waiting[dependent]! === 0 && fusedIn?.[dependent] !== 1) ready.push(dependent)
    }
  }
}
