import { writeFile } from 'node:fs/promises'
import { extname, resolve } from 'node:path'
import { InvalidOptionError, toDot, toGraph, type RankDir } from '@taskgraph/core'
import { OutputError } from '../cli-errors.js'
import type { Io } from '../io.js'
import { inWorkflow, loadWorkflow } from '../load-workflow.js'
import { renderSvg } from '../render-svg.js'

/** Options of `taskgraph visualize`, as parsed from the command line. */
export interface VisualizeCommandOptions {
  output?: string
  format?: 'dot' | 'svg'
  rankdir: RankDir
}

const FORMAT_OF_EXTENSION: Record<string, 'dot' | 'svg'> = {
  '.dot': 'dot',
  '.gv': 'dot',
  '.svg': 'svg',
}

/**
 * `taskgraph visualize <file>`: the workflow's graph as DOT on stdout, or written to
 * `-o` as DOT or SVG (by extension or `--format`). Nothing is computed.
 */
export async function visualizeCommand(
  file: string,
  options: VisualizeCommandOptions,
  io: Io,
): Promise<void> {
  const workflow = await loadWorkflow(file, io.cwd)
  let dot: string
  try {
    dot = toDot(toGraph(workflow.targets), { rankdir: options.rankdir })
  } catch (error) {
    throw inWorkflow(workflow, error)
  }
  const text = options.format === 'svg' ? await renderSvg(dot) : dot
  if (options.output === undefined) io.stdout.write(text)
  else await writeOutput(resolve(io.cwd, options.output), options.output, text)
}

async function writeOutput(path: string, shown: string, text: string): Promise<void> {
  try {
    await writeFile(path, text)
  } catch (error) {
    throw new OutputError({
      message: `could not write ${shown}: ${(error as Error).message}`,
      cause: error,
    })
  }
}

/**
 * The format `-o` asks for by its extension, `'dot'` without `-o`.
 * @throws {InvalidOptionError} for an extension that names no format
 */
export function formatOf(output: string | undefined): 'dot' | 'svg' {
  if (output === undefined) return 'dot'
  const format = FORMAT_OF_EXTENSION[extname(output).toLowerCase()]
  if (format === undefined) {
    throw new InvalidOptionError({
      message: `cannot tell the format of "${output}" from its extension; name it .dot or .svg, or pass --format`,
    })
  }
  return format
}
