import { InvalidOptionError } from '@taskgraph/core'
import { checkOptionNames, describeValue } from '@taskgraph/core/internal'

const OPTION_NAMES = ['name', 'resources', 'addedGraphs']

/**
 * Checks the options of `call` (`toChromeTrace`, `writeChromeTrace`, `Profiler#trace`):
 * a misspelt name was ignored, and samples or graphs of another shape failed deep inside
 * as a `TypeError`, or made a trace its readers refuse.
 * @throws {InvalidOptionError} for an unknown option, a name that is not a string, or
 * `resources` or `addedGraphs` that are not what a `ResourceProfiler` or `Profiler` gives
 */
export function checkTraceOptions(call: string, options: unknown): void {
  checkOptionNames(call, options, OPTION_NAMES)
  const { name, resources, addedGraphs } = options as Record<string, unknown>
  if (name !== undefined && typeof name !== 'string') {
    throw new InvalidOptionError({
      message: `${call}: option "name" must be a string, got ${describeValue(name)}. Pass the workflow's name, or leave it out.`,
    })
  }
  if (resources !== undefined && !arrayOf(resources, isSample)) {
    throw new InvalidOptionError({
      message: `${call}: option "resources" must be the samples of a ResourceProfiler, got ${describeOption(resources)}. Pass resourceProfiler.samples, or leave it out.`,
    })
  }
  if (addedGraphs !== undefined && !arrayOf(addedGraphs, isAddedGraph)) {
    throw new InvalidOptionError({
      message: `${call}: option "addedGraphs" must be the graphs a Profiler collected, got ${describeOption(addedGraphs)}. Pass profiler.addedGraphs, or leave it out.`,
    })
  }
}

function describeOption(value: unknown): string {
  return Array.isArray(value) ? 'an array of something else' : describeValue(value)
}

function arrayOf(value: unknown, isItem: (item: unknown) => boolean): boolean {
  return Array.isArray(value) && value.every(isItem)
}

function isSample(sample: unknown): boolean {
  const { time, main } = (sample ?? {}) as Record<string, unknown>
  return typeof time === 'number' && typeof main === 'object' && main !== null
}

/** Whether `graph` is an `AddedGraph` as far as traces and drawings read one. */
export function isAddedGraph(graph: unknown): boolean {
  const { parent, tasks, results } = (graph ?? {}) as Record<string, unknown>
  return (
    typeof parent === 'string' &&
    Array.isArray(tasks) &&
    tasks.every(isAddedTask) &&
    Array.isArray(results)
  )
}

function isAddedTask(task: unknown): boolean {
  const { key, dependencies } = (task ?? {}) as Record<string, unknown>
  return typeof key === 'string' && Array.isArray(dependencies)
}
