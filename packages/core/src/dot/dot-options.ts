import { InvalidOptionError, describeValue } from '../errors.js'
import { checkOptionNames } from '../option-names.js'

/** Direction of the drawing: Graphviz's `rankdir`. */
export type RankDir = 'TB' | 'LR' | 'BT' | 'RL'

/**
 * What task ellipses are filled by: nothing; the order the scheduler runs them in; how
 * a run ended them (`taskStates`); or how long they ran (`taskStates`).
 */
export type DotColor = 'none' | 'order' | 'status' | 'duration'

/** How a run left one task: its last attempt's end and length. */
export interface TaskRunState {
  status: 'done' | 'failed' | 'cancelled' | 'cached'
  /** How long the last attempt ran, in milliseconds. */
  durationMs: number
}

/** Options of `toDot`. */
export interface DotOptions {
  /**
   * Direction the graph flows in the drawing (inputs at the bottom by default, as Dask draws).
   * @default 'BT'
   */
  rankdir?: RankDir
  /**
   * Fills each task ellipse: `'order'` by the order the scheduler runs tasks in (light
   * first, dark last, as Dask's `color='order'`); `'status'` green for done, red for
   * failed, grey for cancelled or not run; `'duration'` light to dark by how long it ran
   * (log scale). `'status'` and `'duration'` need `taskStates`. A legend says what the
   * colours mean.
   * @default 'none'
   */
  color?: DotColor
  /**
   * How a run left each task, by key, for `color: 'status'` or `'duration'` (e.g.
   * `readTraceStates` of a trace, from @taskgraph/observe). A task not in it did not run.
   */
  taskStates?: ReadonlyMap<string, TaskRunState>
  /**
   * Draws one node per step instead of one per task: the tasks of one function fed by
   * the same functions (the partitions of one bag step, one layer of a fan-out), and the
   * data of one name, each labelled `name ×count`, with edges labelled by how many edges
   * between tasks they stand for. `true` always, `false` never, a number when the graph
   * has more tasks than that.
   * @default 300
   */
  group?: boolean | number
}

/** `DotOptions` checked, with defaults filled in. */
export interface ResolvedDotOptions {
  rankdir: RankDir
  color: DotColor
  taskStates: ReadonlyMap<string, TaskRunState>
  /** Groups when the graph has more tasks than this. */
  groupAbove: number
}

/** Graphs of more tasks than this are drawn grouped unless `group` says otherwise. */
export const DEFAULT_GROUP_ABOVE = 300

const OPTION_NAMES = ['rankdir', 'color', 'taskStates', 'group']
const RANKDIRS = new Set<unknown>(['TB', 'LR', 'BT', 'RL'])
const COLORS = new Set<unknown>(['none', 'order', 'status', 'duration'])
const STATUSES = new Set<unknown>(['done', 'failed', 'cancelled', 'cached'])
const NO_STATES: ReadonlyMap<string, TaskRunState> = new Map()

/**
 * Checks `toDot`'s options: names, values, and that `taskStates` comes with a colour
 * that reads it and the other way round.
 * @throws {InvalidOptionError} naming the option, what it got and what it takes
 */
export function resolveDotOptions(options: unknown, caller = 'toDot'): ResolvedDotOptions {
  checkOptionNames(caller, options, OPTION_NAMES)
  const {
    rankdir = 'BT',
    color = 'none',
    taskStates,
    group = DEFAULT_GROUP_ABOVE,
  } = options as DotOptions
  if (!RANKDIRS.has(rankdir)) {
    throw invalid(
      caller,
      `option "rankdir" must be one of TB, LR, BT, RL, got ${describeValue(rankdir)}.`,
    )
  }
  if (!COLORS.has(color)) {
    throw invalid(
      caller,
      `option "color" must be one of none, order, status, duration, got ${describeValue(color)}.`,
    )
  }
  const needsStates = color === 'status' || color === 'duration'
  if (needsStates && taskStates === undefined) {
    throw invalid(
      caller,
      `color '${color}' needs the states of a run: pass taskStates (readTraceStates of a trace, from @taskgraph/observe), or color 'order'.`,
    )
  }
  if (!needsStates && taskStates !== undefined) {
    throw invalid(
      caller,
      `taskStates is drawn only with color 'status' or 'duration', got color '${color}'. Pass one of those, or leave taskStates out.`,
    )
  }
  if (taskStates !== undefined) checkStates(caller, taskStates)
  return {
    rankdir,
    color,
    taskStates: taskStates ?? NO_STATES,
    groupAbove: groupAbove(caller, group),
  }
}

function groupAbove(caller: string, group: unknown): number {
  if (group === true) return -1
  if (group === false) return Infinity
  if (typeof group === 'number' && Number.isInteger(group) && group >= 0) return group
  throw invalid(
    caller,
    `option "group" must be true, false or a whole number of tasks (0 or more) above which to group, got ${describeValue(group)}.`,
  )
}

function checkStates(caller: string, states: unknown): void {
  if (!(states instanceof Map)) {
    throw invalid(
      caller,
      `option "taskStates" must be a Map from task key to { status, durationMs }, got ${describeValue(states)}.`,
    )
  }
  for (const [key, state] of states as Map<unknown, unknown>) {
    if (typeof key !== 'string') {
      throw invalid(
        caller,
        `option "taskStates" must have task keys (strings) as keys, got ${describeValue(key)}.`,
      )
    }
    const { status, durationMs } = (state ?? {}) as Partial<TaskRunState>
    const good =
      STATUSES.has(status) &&
      typeof durationMs === 'number' &&
      Number.isFinite(durationMs) &&
      durationMs >= 0
    if (!good) {
      throw invalid(
        caller,
        `the state of ${JSON.stringify(key)} in option "taskStates" must be { status: 'done' | 'failed' | 'cancelled' | 'cached', durationMs: a number, 0 or more }, got ${JSON.stringify(state) ?? describeValue(state)}.`,
      )
    }
  }
}

function invalid(caller: string, problem: string): InvalidOptionError {
  return new InvalidOptionError({ message: `${caller}: ${problem}` })
}
