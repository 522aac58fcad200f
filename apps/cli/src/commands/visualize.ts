import { extname, resolve } from 'node:path'
import {
  InvalidOptionError,
  toDot,
  toGraph,
  type DotColor,
  type DotOptions,
  type RankDir,
  type TaskGraphology,
} from '@taskgraph/core'
import { withAddedGraphs } from '@taskgraph/observe'
import { writeWholeFile } from '@taskgraph/observe/internal'
import type { Io } from '../io.js'
import { inWorkflow } from '../load-workflow.js'
import { readWorkflow } from '../read-workflow.js'
import { outputWriteError } from '../output-paths.js'
import { drawSvg } from '../visualize.js'
import { readTraceFile } from '../read-trace-file.js'

/** Options of `taskgraph visualize`, as parsed from the command line. */
export interface VisualizeCommandOptions {
  output?: string
  format?: 'dot' | 'svg'
  rankdir: RankDir
  color: DotColor
  /** The trace `--color status` and `--color duration` read. */
  trace?: string
  /** `--group` (true) or `--no-group` (false); unset, the graph's size decides. */
  group?: boolean
  groupAbove?: number
}

const FORMAT_OF_EXTENSION: Record<string, 'dot' | 'svg'> = {
  '.dot': 'dot',
  '.gv': 'dot',
  '.svg': 'svg',
}

/**
 * Checks the flags of `taskgraph visualize` that depend on each other: `--color status`
 * and `--color duration` read a `--trace`, which no other colour reads; `--group-above`
 * sets when to group, which `--group` and `--no-group` settle already. An empty
 * `--trace` names no file (read as a path, it would be the working directory).
 * @throws {InvalidOptionError} naming both flags and what to give instead
 */
export function checkVisualizeFlags(options: VisualizeCommandOptions): void {
  const { color, trace, group, groupAbove } = options
  if (trace === '') {
    throw new InvalidOptionError({
      message:
        'taskgraph visualize: --trace is empty; give the path of a trace written by taskgraph run <file> --trace, such as run.json.',
    })
  }
  const readsTrace = color === 'status' || color === 'duration'
  if (readsTrace && trace === undefined) {
    throw new InvalidOptionError({
      message: `--color ${color} needs the trace of a run: add --trace run.json (written by taskgraph run <file> --trace run.json), or use --color order`,
    })
  }
  if (!readsTrace && trace !== undefined) {
    throw new InvalidOptionError({
      message: `--trace is drawn only with --color status or --color duration, not --color ${color}: add one of those, or leave --trace out`,
    })
  }
  if (group !== undefined && groupAbove !== undefined) {
    throw new InvalidOptionError({
      message: `--group-above sets when to group, which --${group ? '' : 'no-'}group settles already: give one of them`,
    })
  }
}

/**
 * `taskgraph visualize <file>`: the workflow's graph as DOT on stdout, or written to
 * `-o` as DOT or SVG (by extension or `--format`). Nothing is computed; `--trace` reads
 * how an earlier run went, for `--color status` and `--color duration`, and the tasks
 * it added (graphs its tasks returned), which are drawn too.
 */
export async function visualizeCommand(
  file: string,
  options: VisualizeCommandOptions,
  io: Io,
): Promise<void> {
  // The trace first: a wrong path fails before the workflow is loaded.
  const trace =
    options.trace === undefined
      ? undefined
      : await readTraceFile(resolve(io.cwd, options.trace), options.trace)
  const workflow = await readWorkflow(file, io, 'taskgraph visualize')
  let graph: TaskGraphology
  try {
    graph = toGraph(workflow.targets)
  } catch (error) {
    throw inWorkflow(workflow, error)
  }
  const dotOptions: DotOptions = { rankdir: options.rankdir, color: options.color }
  const group = options.group ?? options.groupAbove
  if (group !== undefined) dotOptions.group = group
  if (trace !== undefined) {
    warnIfForeign(graph, trace.states, options.trace!, io)
    dotOptions.taskStates = trace.states
  }
  // A finished run is drawn with the tasks it added: the graphs its tasks returned.
  const drawn =
    trace === undefined || trace.addedGraphs.length === 0
      ? graph
      : withAddedGraphs(graph, trace.addedGraphs)
  const dot = toDot(drawn, dotOptions)
  const text =
    options.format === 'svg' ? await drawSvg('taskgraph visualize', dot, drawn.order) : dot
  if (options.output === undefined) io.stdout.write(text)
  else await writeOutput(resolve(io.cwd, options.output), text)
}

/**
 * A trace of tasks none of which is in the graph was most likely made by another
 * workflow, or before its keys changed: the drawing would be all grey, so say why.
 */
function warnIfForeign(
  graph: TaskGraphology,
  states: ReadonlyMap<string, unknown>,
  shown: string,
  io: Io,
): void {
  if (states.size === 0) return
  for (const key of states.keys()) if (graph.hasNode(key)) return
  io.stderr.write(
    `taskgraph: warning: none of the ${states.size} tasks in ${shown} is in this graph: was it traced from another workflow, or before its keys changed? Every task is drawn as not run.\n`,
  )
}

/**
 * Writes the drawing to `path` whole or not at all: a full disk leaves the drawing that
 * was there, not part of a new one.
 */
async function writeOutput(path: string, text: string): Promise<void> {
  try {
    await writeWholeFile('taskgraph visualize -o', path, (file) => file.writeFile(text))
  } catch (error) {
    throw outputWriteError('taskgraph visualize -o', 'the drawing', path, error)
  }
}

/**
 * The format `--format` gives, else the one `-o` asks for by its extension, `'dot'`
 * without either.
 * @throws {InvalidOptionError} for an extension that names no format, or another than
 * `--format`
 */
export function formatOf(
  output: string | undefined,
  given: 'dot' | 'svg' | undefined,
): 'dot' | 'svg' {
  if (output === undefined) return given ?? 'dot'
  const format = FORMAT_OF_EXTENSION[extname(output).toLowerCase()]
  // DOT in a .svg file is a page no browser opens; SVG in a .dot file, a graph dot cannot read.
  if (given !== undefined && format !== undefined && format !== given) {
    throw new InvalidOptionError({
      message: `taskgraph visualize: -o ${output} names ${format === 'dot' ? 'a DOT' : 'an SVG'} file by its extension, but --format is ${given}: leave --format out, or name the file .${given}`,
    })
  }
  if (given !== undefined) return given
  if (format === undefined) {
    throw new InvalidOptionError({
      message: `cannot tell the format of "${output}" from its extension; name it .dot or .svg, or pass --format`,
    })
  }
  return format
}
