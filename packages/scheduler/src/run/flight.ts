import { StepFault } from '../executors/executor-faults.js'
import type { CallTiming, TaskCall } from '../executors/executor.js'
import type { TaskInfo } from './hooks.js'
import type { TaskWorker } from './task-record.js'

/** A call handed to the executor, from its launch to its end. */
export interface Flight {
  /** The node the call runs, then any fused after it. */
  readonly members: number[]
  /** Whether the call has begun (see `Executor.reportsStarts`): hooks heard of it. */
  begun: boolean
  /** What the hooks were told of the tasks, if there are hooks. */
  infos: TaskInfo[] | undefined
  startedAt: number
  timer: NodeJS.Timeout | undefined
  /** For task records (see `TaskRecorder`): which attempt, and when it was handed over. */
  attempt: number
  queuedAt: number
  /** When this thread saw the call begin, should no worker measure it. */
  localStart: number
  /** Where and when the call ran, as its worker measured it. */
  timing: CallTiming | undefined
  /** Where the executor said the call began (`TaskCall.started`), if it said. */
  startedOn: TaskWorker | undefined
  /**
   * When this thread handed the call over (`performance.now()`), if its tasks' durations
   * are wanted (a run with a cache) and no worker measures them; else 0.
   */
  handedAt: number
  /**
   * The steps, not the last, whose results the run's cache wants back (see
   * `TaskCall.stepsWanted`), and those the cache was handed (or told could not come):
   * with the executor's reference to the result, to be released as any result, from an
   * executor whose results are references; nothing from another (the value itself is the
   * cache's: the run holds no more of it than without a cache).
   */
  wanted: ReadonlySet<number> | undefined
  returned: Map<number, unknown> | undefined
  /**
   * From an executor whose results are values (a pool's): the last step brought back,
   * with its value. A chain that loses its worker resumes after it (see `chainLost`):
   * the steps before it ran, and only it feeds the rest. The run holds this one value.
   */
  resume: { readonly step: number; readonly value: unknown } | undefined
  /**
   * What a copy changed of the call's result, which the run's cache stores (see
   * `TaskCall.resultChanged`): the copy is the run's result, but is not stored.
   */
  changed: string | undefined
  /** The call, kept for an executor told when the run stops waiting for it (`abandoned`). */
  call: TaskCall | undefined
  /**
   * When the call began (`performance.now()`), for a timeout the scheduler holds it to
   * (see `Executor.enforcesTimeouts`); else 0.
   */
  timedFrom: number
}

/** A new flight of `members`, not begun. */
export function newFlight(members: number[]): Flight {
  return {
    members,
    begun: false,
    infos: undefined,
    startedAt: 0,
    timer: undefined,
    attempt: 1,
    queuedAt: 0,
    localStart: 0,
    timing: undefined,
    startedOn: undefined,
    handedAt: 0,
    wanted: undefined,
    returned: undefined,
    resume: undefined,
    changed: undefined,
    call: undefined,
    timedFrom: 0,
  }
}

/**
 * How long step `step` of the call took to run, in ms: as its worker measured it, or else
 * (a call of one task) from its hand-over to now; `undefined` if it was not measured.
 */
export function stepDuration(flight: Flight, step: number): number | undefined {
  const steps = flight.timing?.steps
  if (steps !== undefined && steps.length > 2 * step + 1) {
    return steps[2 * step + 1]! - steps[2 * step]!
  }
  return flight.handedAt > 0 && flight.members.length === 1
    ? performance.now() - flight.handedAt
    : undefined
}

/**
 * Which step of a call failed (0: the call's own task), why, and, for a later step that
 * may be retried, the previous step's result it was given (see `StepFault`).
 */
export function failedStep(error: unknown): {
  readonly step: number
  readonly reason: unknown
  readonly input: { readonly value: unknown } | undefined
} {
  if (error instanceof StepFault)
    return { step: error.step, reason: error.reason, input: error.input }
  return { step: 0, reason: error, input: undefined }
}
