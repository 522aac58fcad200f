import type { DirectedGraph } from 'graphology'
import { InvalidOptionError, describeValue } from '../errors.js'
import { checkOptionNames } from '../option-names.js'
import type { TaskGraphAttributes, TaskNodeAttributes } from '../graph/to-graph.js'

/** Direction of the drawing: Graphviz's `rankdir`. */
export type RankDir = 'TB' | 'LR' | 'BT' | 'RL'

/** Options of `toDot`. */
export interface DotOptions {
  /**
   * Direction the graph flows in the drawing (inputs at the bottom by default, as Dask draws).
   * @default 'BT'
   */
  rankdir?: RankDir
}

const RANKDIRS = new Set<string>(['TB', 'LR', 'BT', 'RL'])
const OPTION_NAMES = ['rankdir']

/**
 * Renders a task graph (from `toGraph`) as Graphviz DOT, the way Dask's `visualize`
 * draws: each task is an ellipse labelled with its function's name, feeding a box for
 * its result (labelled with the key); data nodes are boxes alone; requested outputs
 * have a double border. Node ids are `data:<key>` and `task:<key>`, so they are stable
 * from run to run.
 * @throws {InvalidOptionError} for an unknown option or a `rankdir` not in TB, LR, BT, RL
 */
export function toDot(
  graph: DirectedGraph<TaskNodeAttributes, Record<string, unknown>, Partial<TaskGraphAttributes>>,
  options: DotOptions = {},
): string {
  checkOptionNames('toDot', options, OPTION_NAMES)
  const { rankdir = 'BT' } = options
  if (!RANKDIRS.has(rankdir)) {
    throw new InvalidOptionError({
      message: `toDot: option "rankdir" must be one of TB, LR, BT, RL, got ${describeValue(rankdir)}.`,
    })
  }
  const outputs = new Set(graph.getAttribute('outputs') ?? [])
  const lines = [
    'digraph taskgraph {',
    `  graph [rankdir=${rankdir}];`,
    '  node [fontname="Helvetica"];',
  ]
  graph.forEachNode((key, { kind, name }) => {
    const border = outputs.has(key) ? ', peripheries=2' : ''
    lines.push(`  ${dataId(key)} [label=${quote(key)}, shape=box${border}];`)
    if (kind === 'task') {
      lines.push(`  ${taskId(key)} [label=${quote(name)}, shape=ellipse];`)
      lines.push(`  ${taskId(key)} -> ${dataId(key)};`)
    }
  })
  graph.forEachEdge((_edge, _attributes, source, target) => {
    const consumer =
      graph.getNodeAttribute(target, 'kind') === 'task' ? taskId(target) : dataId(target)
    lines.push(`  ${dataId(source)} -> ${consumer};`)
  })
  lines.push('}')
  return lines.join('\n') + '\n'
}

// Each key has a result box and, for a task, a function ellipse; the prefixes keep the
// two id spaces apart whatever characters keys hold.
function dataId(key: string): string {
  return quote(`data:${key}`)
}

function taskId(key: string): string {
  return quote(`task:${key}`)
}

function quote(id: string): string {
  return `"${id.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`
}
