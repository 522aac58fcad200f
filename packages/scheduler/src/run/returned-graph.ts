import { TaskGraph } from '@taskgraph/core/internal'
import type { ComputeHooks, RunSummary, TaskInfo, TasksAdded } from './hooks.js'
import { CYCLIC_GRAPH, holdsGraph } from '../wire/returned-graph.js'
import type { RunConfig } from './options.js'
import { TasksAddedInfo } from './tasks-added.js'

// A task that returns a Delayed (or an array or plain object holding some) stands for
// that graph's result: the graph runs in the same run, on the same executor, as a run
// nested in it. Its tasks reach the run's hooks as the run's own; the run hears of them
// as added tasks, and counts them in its summary.

/** What the nested run reports to the run around it. */
export interface NestedRunListener {
  /**
   * The nested run is about to run the graph (`info.parent` is the task that returned
   * it); or one of its tasks returned a graph in turn.
   */
  added(info: TasksAdded): void
  /** The nested run has ended with these counts. */
  finished(summary: RunSummary): void
}

/**
 * Runs the graph `value` holds on the run's executor and resolves with `value`, each
 * Delayed replaced by its result. `runNested` is `runGraph` (passed in, so that this
 * module does not import the run it belongs to).
 */
export async function runReturnedGraph(
  value: unknown,
  config: RunConfig,
  options: {
    readonly caller: string
    /** The task that returned `value`. */
    readonly parent: TaskInfo
    /** Stops the nested run: aborted when the run around it stops. */
    readonly signal: AbortSignal
    readonly listener: NestedRunListener
    readonly runNested: (graph: TaskGraph, config: RunConfig) => Promise<unknown[]>
  },
): Promise<unknown> {
  const graph = TaskGraph.collect(options.caller, [value])
  // A turn of the event loop first: tasks that return graphs of themselves recurse
  // through the loop, not the stack, and timers and signals (Ctrl-C) are heard between.
  await new Promise((resolve) => setImmediate(resolve))
  const stop = laterAbort(options.signal)
  let result: unknown
  try {
    ;[result] = await options.runNested(graph, {
      ...config,
      // The executor belongs to the run around it, which closes it if it made it.
      ownsExecutor: false,
      signal: stop.signal,
      hooks: forwarded(config.hooks, options.listener, (tasks) => {
        return new TasksAddedInfo(tasks, options.parent, graph)
      }),
      cache: undefined,
    })
  } finally {
    stop.dispose()
  }
  // A Delayed inside a cycle (an object holding itself) is not reached by the copy the
  // results are put into: it would come back unevaluated.
  if (holdsGraph(result)) throw new Error(CYCLIC_GRAPH)
  return result
}

/**
 * A signal aborted a moment after `signal` is: a stop goes down nested runs one level
 * per microtask, not one stack frame deeper per level (recursion thousands of levels
 * deep overflowed the stack when stopped).
 */
function laterAbort(signal: AbortSignal): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController()
  const abort = (): void => queueMicrotask(() => controller.abort(signal.reason))
  if (signal.aborted) abort()
  else signal.addEventListener('abort', abort, { once: true })
  return {
    signal: controller.signal,
    dispose: () => signal.removeEventListener('abort', abort),
  }
}

/**
 * The run's hooks, but for its start, finish and added tasks, which go to the listener
 * (the start as the graph's own `added`).
 */
function forwarded(
  hooks: ComputeHooks | undefined,
  listener: NestedRunListener,
  added: (tasks: number) => TasksAdded,
): ComputeHooks {
  return {
    onStart: ({ tasks }) => listener.added(added(tasks)),
    onTasksAdded: (info) => listener.added(info),
    ...(hooks?.onTaskStart === undefined ? {} : { onTaskStart: hooks.onTaskStart.bind(hooks) }),
    ...(hooks?.onTaskEnd === undefined ? {} : { onTaskEnd: hooks.onTaskEnd.bind(hooks) }),
    ...(hooks?.onTaskRetry === undefined ? {} : { onTaskRetry: hooks.onTaskRetry.bind(hooks) }),
    ...(hooks?.onTaskRecord === undefined ? {} : { onTaskRecord: hooks.onTaskRecord.bind(hooks) }),
    onFinish: (summary) => listener.finished(summary),
  }
}
