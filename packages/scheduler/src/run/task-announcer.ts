import type { TaskGraph } from '@taskgraph/core/internal'
import type { Flight } from './flight.js'
import type { ComputeHooks, TaskInfo, TaskOutcome } from './hooks.js'

/**
 * Tells a run's hooks of its tasks' starts and ends: each task's start once, however
 * often it is tried or run again unfused, and its end once it is done for good.
 */
export class TaskAnnouncer {
  /** Tasks whose start the hooks were told of and whose end they were not told of yet. */
  private readonly announced: Uint8Array
  /**
   * Whether a hook hears of single tasks (their start, end or retry): hooks with only
   * `onTaskRecord` or `onFinish` cost a run nothing per task here.
   */
  private readonly announcing: boolean

  constructor(
    private readonly graph: TaskGraph,
    private readonly hooks: ComputeHooks | undefined,
  ) {
    this.announced = new Uint8Array(graph.size)
    this.announcing =
      hooks?.onTaskStart !== undefined ||
      hooks?.onTaskEnd !== undefined ||
      hooks?.onTaskRetry !== undefined
  }

  /**
   * The call begins (or began `agoMs` ago, as its executor heard late): the hooks hear of
   * its tasks' start (once), and their durations count from then.
   */
  begin(flight: Flight, agoMs = 0): void {
    if (flight.begun) return
    flight.begun = true
    flight.infos = this.announce(flight.members)
    if (flight.infos !== undefined) flight.startedAt = performance.now() - agoMs
  }

  /** Task `i`, announced as `info`, is done for good. */
  end(i: number, info: TaskInfo, outcome: TaskOutcome): void {
    this.announced[i] = 0
    this.hooks?.onTaskEnd?.(info, outcome)
  }

  /** Task `i`, whose end the hooks heard of as a success, failed after all with `error`. */
  endLate(i: number, error: unknown): void {
    const graph = this.graph
    this.hooks?.onTaskEnd?.(
      { key: graph.key(i), name: graph.name(i) },
      { error, durationMs: 0, late: true },
    )
  }

  /** Tells the hooks of the tasks among `members` that start now. */
  private announce(members: number[]): TaskInfo[] | undefined {
    const hooks = this.hooks
    if (hooks === undefined || !this.announcing) return undefined
    const graph = this.graph
    const infos = members.map((m) => ({ key: graph.key(m), name: graph.name(m) }))
    members.forEach((m, k) => {
      // A retry, or a chain run again unfused, is still the same start.
      if (this.announced[m] === 1) return
      this.announced[m] = 1
      hooks.onTaskStart?.(infos[k]!)
    })
    return infos
  }
}
