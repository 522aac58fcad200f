import type { AnyFunction } from '@taskgraph/core'
import {
  TaskGraph,
  containsDelayed,
  type Delayed,
  hasUniqueKey,
  isPlainObject,
  makeKeyedData,
  makeTask,
  originOf,
  type TaskSpec,
} from '@taskgraph/core/internal'
import { decodeFunctions, encodeFunctions } from './function-args.js'
import { sourceHash, type FunctionRef } from './function-ref.js'
import type { Marks } from './marks.js'
import { replaceMembersInPlace } from './replace-members.js'

// A task that returns a graph (a Delayed, or data holding some) in a worker: the graph
// crosses to the main thread as data, each task's function as its ref (found again
// there as the worker found it), and is made again there, where the run runs it.

interface WireNode<R> {
  /**
   * Absent for a unique key (a counter of the worker's, which another worker's repeats):
   * the main thread makes one of its own, so that the tasks of graphs from two workers
   * keep apart in hooks, traces and drawings.
   */
  readonly key?: string
  readonly spec: TaskSpec
  /** Absent for a data node. */
  readonly fn?: R
  readonly args?: unknown[]
  readonly value?: unknown
}

/**
 * A returned graph as it crosses, under its mark (`Marks.graph`): its nodes, dependencies
 * first, and the value itself, where each node's result stands as its mark (`Marks.node`).
 * Functions are named by `R`: a `FunctionRef` between threads and processes of one
 * machine, a module path inside the project on a cluster.
 */
export type WireGraph<R = FunctionRef> = Readonly<
  Record<string, { readonly nodes: WireNode<R>[]; readonly value: unknown }>
>

/** Why a graph returned inside a cyclic structure cannot run, here or in a worker. */
export const CYCLIC_GRAPH =
  'the graph it returned is inside a cycle (an object that holds itself), where its tasks cannot be replaced by their results: return the Delayed values outside the cycle'

/** Whether `value`, a task's result, holds a graph to send as one. */
export function holdsGraph(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false
  try {
    return containsDelayed(value)
  } catch {
    // A getter threw on the way: not a graph, and the copy of it will fail, saying so.
    return false
  }
}

/**
 * In a worker: `value` with its graph written as data with `marks`, each function named
 * by `refOf`, or why it cannot be (a task function the other side could not find again:
 * one made at run time).
 */
export function encodeGraph<R = FunctionRef>(
  value: unknown,
  marks: Marks,
  refOf: (fn: AnyFunction) => R | undefined = originRef as (fn: AnyFunction) => R | undefined,
): WireGraph<R> | GraphProblem {
  // Its nodes come dependencies first: each is made again after what it takes.
  const graph = TaskGraph.collect('a task returning a graph', [value])
  // Each node's result stands as a marker of its place: arguments and the value are
  // written with markers where their Delayed were.
  const markers = Array.from({ length: graph.size }, (_, i) => ({ [marks.node]: i }))
  const nodes: WireNode<R>[] = []
  for (let i = 0; i < graph.size; i++) {
    const key = hasUniqueKey(graph.delayed(i)) ? undefined : graph.key(i)
    const fn = graph.fn(i)
    if (fn === undefined) {
      nodes.push({ key, spec: graph.spec(i), value: graph.value(i) })
      continue
    }
    const ref = refOf(fn)
    if (ref === undefined) return { problem: unfindable(graph.name(i)) }
    let args: unknown
    try {
      args = encodeFunctions(
        graph.args(i, markers),
        (member) => {
          const found = refOf(member)
          if (found === undefined) throw new Error(unfindable(member.name || '(anonymous)'))
          // Carried as the marker's content, whatever names it.
          return found as unknown as FunctionRef
        },
        marks.fn,
      )
    } catch (error) {
      return { problem: (error as Error).message }
    }
    nodes.push({ key, spec: graph.spec(i), fn: ref, args: args as unknown[] })
  }
  const written = graph.assemble(markers)[0]
  // A Delayed inside a cycle is not reached by the copy the markers are put into.
  if (holdsGraph(written)) {
    return { problem: CYCLIC_GRAPH }
  }
  return { [marks.graph]: { nodes, value: written } }
}

/** Why `encodeGraph` could not write a graph: what it returns instead of one. */
export interface GraphProblem {
  readonly problem: string
}

/** Whether `encoded`, what `encodeGraph` returned, says why it wrote no graph. */
export function isGraphProblem(
  encoded: WireGraph<unknown> | GraphProblem,
): encoded is GraphProblem {
  // A graph's only property is its mark, which never reads "problem".
  return typeof encoded.problem === 'string'
}

/** Whether a result that came back from a worker is a graph written as data with `marks`. */
export function isWireGraph(value: unknown, marks: Marks): value is WireGraph<unknown> {
  return typeof value === 'object' && value !== null && isPlainObject(value) && marks.graph in value
}

/** On the main thread: the graph made again, its functions loaded by `load`. */
export async function decodeGraph<R>(
  wire: WireGraph<R>,
  marks: Marks,
  load: (ref: R) => Promise<AnyFunction | undefined>,
  name: (ref: R) => string,
): Promise<unknown> {
  const { nodes, value } = wire[marks.graph]!
  const made: Delayed[] = []
  const isMarker = (item: unknown): boolean =>
    typeof item === 'object' && item !== null && isPlainObject(item) && marks.node in item
  const node = (marker: unknown): Delayed => made[(marker as Record<string, number>)[marks.node]!]!
  for (const wireNode of nodes) {
    if (wireNode.fn === undefined) {
      made.push(makeKeyedData(wireNode.value, wireNode.spec.name, wireNode.key))
      continue
    }
    const fn = await load(wireNode.fn)
    if (fn === undefined) {
      throw new Error(`could not find function ${name(wireNode.fn)} of the graph a task returned`)
    }
    const args = (await decodeFunctions(
      wireNode.args,
      load as unknown as (ref: FunctionRef) => Promise<AnyFunction | undefined>,
      marks.fn,
    )) as unknown[]
    made.push(
      makeTask(
        fn,
        replaceMembersInPlace(args, isMarker, node) as unknown[],
        wireNode.spec,
        wireNode.key,
      ),
    )
  }
  return replaceMembersInPlace(value, isMarker, node)
}

/** A function's ref by where it was made: how threads and processes find it again. */
function originRef(fn: AnyFunction): FunctionRef | undefined {
  const origin = originOf(fn)
  if (origin === undefined) return undefined
  return { kind: 'origin', origin, hash: sourceHash(origin.url) }
}

function unfindable(name: string): string {
  return `function ${name} of the graph it returned was made while the task ran, so the main thread cannot find it again: make it with delayed() at the top level of a module`
}
