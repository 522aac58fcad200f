import type { DrawnGraph } from './drawn-graph.js'

/** Nodes drawn as one: tasks of one function fed by the same functions, or data of one name. */
export interface NodeGroup {
  readonly kind: 'task' | 'data'
  readonly name: string
  /** 1 for the first group of its kind and name, 2 for the next... */
  readonly ordinal: number
  /** Its nodes' keys, in graph order. */
  readonly keys: string[]
  /** Whether it holds a requested output. */
  output: boolean
}

/** A graph with nodes grouped: groups in order of their first node, edges counted. */
export interface GroupedGraph {
  readonly groups: readonly NodeGroup[]
  /**
   * `[source group, target group, how many edges between their nodes, whether they
   * are edges from a returned graph to its task]`, by first edge.
   */
  readonly edges: readonly (readonly [number, number, number, boolean])[]
}

/**
 * Groups the nodes of `graph` by kind, name, and the names of the nodes they take
 * inputs from: the partitions of one bag step (whose tasks share a function name, as
 * two `map` steps do) or one layer of a fan-out fall in one group, while two steps of
 * one name in a pipeline stay apart. A chain of one function (`inc` of `inc` of ...)
 * is its first link and a group of the rest, which has an edge to itself.
 */
export function groupNodes(graph: DrawnGraph): GroupedGraph {
  const outputs = new Set(graph.getAttribute('outputs') ?? [])
  const groups: NodeGroup[] = []
  const groupIndex = new Map<string, number>()
  const ordinals = new Map<string, number>()
  const groupOf = new Map<string, number>()
  graph.forEachNode((key, { kind, name }) => {
    const inputs = new Set<string>()
    graph.forEachInNeighbor(key, (_source, attributes) => {
      inputs.add(`${attributes.kind}:${attributes.name}`)
    })
    const named = `${kind}:${name}`
    const id = JSON.stringify([named, ...[...inputs].sort()])
    let index = groupIndex.get(id)
    if (index === undefined) {
      index = groups.length
      groupIndex.set(id, index)
      const ordinal = (ordinals.get(named) ?? 0) + 1
      ordinals.set(named, ordinal)
      groups.push({ kind, name, ordinal, keys: [], output: false })
    }
    const group = groups[index]!
    group.keys.push(key)
    if (outputs.has(key)) group.output = true
    groupOf.set(key, index)
  })
  const counts = new Map<string, [number, number, number, boolean]>()
  graph.forEachEdge((_edge, attributes, source, target) => {
    const from = groupOf.get(source)!
    const to = groupOf.get(target)!
    const returned = attributes.returned === true
    const id = `${from}>${to}${returned ? '<' : ''}`
    const edge = counts.get(id)
    if (edge === undefined) counts.set(id, [from, to, 1, returned])
    else edge[2]++
  })
  return { groups, edges: [...counts.values()] }
}
