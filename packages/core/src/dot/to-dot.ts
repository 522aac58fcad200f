import { describeValue, InvalidArgumentError } from '../errors.js'
import { resolveDotOptions, type DotOptions, type ResolvedDotOptions } from './dot-options.js'
import { attributes, quote, quoteId } from './dot-text.js'
import type { DrawnGraph } from './drawn-graph.js'
import { groupNodes } from './group-nodes.js'
import { fillAttributes, paintUnits, type Coloring, type Unit } from './paint.js'

/**
 * Renders a task graph (from `toGraph`) as Graphviz DOT, the way Dask's `visualize`
 * draws: each task is an ellipse labelled with its function's name, feeding a box for
 * its result (labelled with the key); data nodes are boxes alone; requested outputs
 * have a double border. Node ids are `data:<key>` and `task:<key>`, so they are stable
 * from run to run.
 *
 * A graph of more tasks than `group` (300 by default) is drawn grouped instead: one
 * ellipse per function name (and names of the functions feeding it: one per bag step)
 * and one box per data name, ids `group:task:<name>` and `group:data:<name>` (`group#2:`
 * for the second group of a name...), labelled `name ×count`, with edges labelled by how
 * many edges between their nodes they stand for. `color` fills task ellipses (or groups) and adds
 * a legend, `subgraph cluster_legend`. Edges marked `returned: true` (from a graph a task
 * returned to that task: `withAddedGraphs`) are drawn dashed, from box to box.
 * @example toDot(toGraph(total), { color: 'status', taskStates: readTraceStates(trace) })
 * @throws {InvalidOptionError} for an unknown option or a bad value, or for `color`
 * `'status'` or `'duration'` without `taskStates` (or `taskStates` with another colour)
 */
export function toDot(graph: DrawnGraph, options: DotOptions = {}): string {
  // A graph is read through graphology's methods: anything else failed on the first one.
  if (typeof (graph as Partial<DrawnGraph> | null | undefined)?.forEachNode !== 'function') {
    throw new InvalidArgumentError({
      message: `toDot: the graph must be a graph from toGraph(), not ${describeValue(graph)}. Pass toGraph(...targets), or draw a target with visualize(target).`,
    })
  }
  return renderDot(graph, resolveDotOptions(options))
}

/** `graph` as DOT, drawn as `resolved` says (see `toDot`; `visualize` checks its own). */
export function renderDot(graph: DrawnGraph, resolved: ResolvedDotOptions): string {
  const lines = [
    'digraph taskgraph {',
    `  graph [rankdir=${resolved.rankdir}];`,
    '  node [fontname="Helvetica"];',
  ]
  const ranks = taskRanks(graph)
  if (ranks.size > resolved.groupAbove) drawGroups(graph, ranks, resolved, lines)
  else drawTasks(graph, ranks, resolved, lines)
  lines.push('}')
  return lines.join('\n') + '\n'
}

/** Each task's place in the order the scheduler runs ready tasks: the graph's node order. */
function taskRanks(graph: DrawnGraph): Map<string, number> {
  const ranks = new Map<string, number>()
  graph.forEachNode((key, { kind }) => {
    if (kind === 'task') ranks.set(key, ranks.size)
  })
  return ranks
}

function drawTasks(
  graph: DrawnGraph,
  ranks: ReadonlyMap<string, number>,
  { color, taskStates }: ResolvedDotOptions,
  lines: string[],
): void {
  const outputs = new Set(graph.getAttribute('outputs') ?? [])
  const coloring = paint(
    color,
    Array.from(ranks, ([key, rank]) => ({ keys: [key], ranks: [rank] })),
    taskStates,
    ranks.size,
  )
  graph.forEachNode((key, { kind, name }) => {
    const border = outputs.has(key) ? ', peripheries=2' : ''
    lines.push(`  ${dataId(key)} [label=${quote(key)}, shape=box${border}];`)
    if (kind === 'task') {
      const fill = coloring === undefined ? [] : paintAttributes(coloring, ranks.get(key)!)
      const shape = attributes([['label', quote(name)], ['shape', 'ellipse'], ...fill])
      lines.push(`  ${taskId(key)} ${shape};`)
      lines.push(`  ${taskId(key)} -> ${dataId(key)};`)
    }
  })
  graph.forEachEdge((_edge, attributes, source, target) => {
    // A returned graph's result is its task's result: box to box.
    if (attributes.returned === true) {
      lines.push(`  ${dataId(source)} -> ${dataId(target)} [style=dashed];`)
      return
    }
    const consumer =
      graph.getNodeAttribute(target, 'kind') === 'task' ? taskId(target) : dataId(target)
    lines.push(`  ${dataId(source)} -> ${consumer};`)
  })
  if (coloring !== undefined) lines.push(...coloring.legend)
}

function drawGroups(
  graph: DrawnGraph,
  ranks: ReadonlyMap<string, number>,
  { color, taskStates }: ResolvedDotOptions,
  lines: string[],
): void {
  const { groups, edges } = groupNodes(graph)
  const taskGroups = groups.filter((group) => group.kind === 'task')
  const coloring = paint(
    color,
    taskGroups.map(({ keys }) => ({ keys, ranks: keys.map((key) => ranks.get(key)!) })),
    taskStates,
    ranks.size,
  )
  const ids = groups.map(({ kind, name, ordinal }) =>
    quoteId(`group${ordinal === 1 ? '' : `#${ordinal}`}:${kind}:${name}`),
  )
  let unit = 0
  groups.forEach(({ kind, name, keys, output }, i) => {
    const pairs: [string, string][] = [
      ['label', quote(`${name} ×${keys.length}`)],
      ['shape', kind === 'task' ? 'ellipse' : 'box'],
    ]
    if (output) pairs.push(['peripheries', '2'])
    // Task groups are the units painted, in the same order.
    if (kind === 'task' && coloring !== undefined) pairs.push(...paintAttributes(coloring, unit++))
    lines.push(`  ${ids[i]!} ${attributes(pairs)};`)
  })
  for (const [from, to, count, returned] of edges) {
    const style = returned ? ', style=dashed' : ''
    lines.push(`  ${ids[from]!} -> ${ids[to]!} [label=${quote(String(count))}${style}];`)
  }
  if (coloring !== undefined) lines.push(...coloring.legend)
}

function paint(
  color: ResolvedDotOptions['color'],
  units: readonly Unit[],
  states: ResolvedDotOptions['taskStates'],
  taskCount: number,
): Coloring | undefined {
  return color === 'none' ? undefined : paintUnits(color, units, states, taskCount)
}

function paintAttributes(coloring: Coloring, unit: number): [string, string][] {
  const { fill, tooltip } = coloring.paints[unit]!
  return [...fillAttributes(fill), ['tooltip', quote(tooltip)]]
}

// Each key has a result box and, for a task, a function ellipse; the prefixes keep the
// two id spaces apart whatever characters keys hold.
function dataId(key: string): string {
  return quoteId(`data:${key}`)
}

function taskId(key: string): string {
  return quoteId(`task:${key}`)
}
