import type { AnyFunction, TaskOptions } from '@taskgraph/core'
import type { TaskCall } from '../executors/executor.js'
import {
  leaveExceptionToNode,
  type OutsideFailure,
  type TaskContext,
} from '../executors/task-context.js'
import { warnLateException, warnLateRejection } from './run-failures.js'
import type { RunState } from './run-state.js'

/** What a call needs from its run, besides the graph's state. */
export interface CallParts {
  readonly key: string
  readonly fn: AnyFunction
  readonly options: TaskOptions
  readonly signal: AbortSignal
  readonly attempt: number
  readonly lateFailure: (error: unknown) => void
  readonly started: TaskCall['started']
  readonly timed: TaskCall['timed']
  /** The executor runs calls in workers: it gets fused steps and owned values. */
  readonly remote: boolean
  /** Steps whose results the run wants back, and where they go (see `TaskCall.stepsWanted`). */
  readonly stepsWanted?: readonly number[]
  readonly stepWorth?: TaskCall['stepWorth']
  readonly stepResult?: TaskCall['stepResult']
  /** Told what a copy changes of the call's result, which the run's cache stores. */
  readonly resultChanged?: TaskCall['resultChanged']
}

/** The call that runs node `i`, and the tasks fused after it (`members`), on an executor. */
export function makeCall(
  state: RunState,
  i: number,
  members: readonly number[],
  parts: CallParts,
): TaskCall {
  const graph = state.graph
  const call: { -readonly [K in keyof TaskCall]: TaskCall[K] } = {
    key: parts.key,
    name: graph.name(i),
    fn: parts.fn,
    args: graph.args(i, state.results),
    options: parts.options,
    mainThread: graph.runsOnMainThread(i),
    signal: parts.signal,
    output: state.isOutput(members[members.length - 1]!),
    attempt: parts.attempt,
    lastAttempt: parts.attempt > (parts.options.retries ?? 0),
    lateFailure: parts.lateFailure,
    started: parts.started,
    releaseOwned: doNothing,
  }
  if (parts.timed !== undefined) call.timed = parts.timed
  if (!parts.remote) return call
  if (parts.resultChanged !== undefined) call.resultChanged = parts.resultChanged
  if (members.length > 1) {
    call.steps = state.stepsOf(members)
    if (parts.stepsWanted !== undefined) {
      call.stepsWanted = parts.stepsWanted
      call.stepResult = parts.stepResult
      if (parts.stepWorth !== undefined) call.stepWorth = parts.stepWorth
    }
  }
  const { owned, nodes } = state.ownedBy(i)
  if (owned.length > 0) {
    call.owned = owned
    call.releaseOwned = () => state.release(nodes)
  }
  return call
}

export function doNothing(): void {}

/** How calls reach their run for late reports; cut (`run: undefined`) when it ends. */
export interface RunLink {
  run:
    | {
        failedOutside(members: number[], token: number, reason: unknown, how: OutsideFailure): void
      }
    | undefined
}

/**
 * The `lateFailure` of a call. Made here, away from the run's launch, so that it holds
 * only what it names: executors keep it after the call settles, and it must not keep
 * the call's arguments alive, nor (through `link`) the run once it has ended.
 */
export function lateReporter(
  link: RunLink,
  members: number[],
  token: number,
  key: string,
  name: string,
): TaskContext {
  // A worker reports only rejections; an uncaught exception ends it instead.
  return (reason, how = 'rejection') => {
    if (link.run !== undefined) link.run.failedOutside(members, token, reason, how)
    else if (how === 'rejection') warnLateRejection(key, name, reason)
    // It ended a worker, not this process: nothing here is to end.
    else if (how === 'worker-exception') warnLateException(key, name, reason)
    // Thrown after its run ended, where no run can take it: as Node would.
    else leaveExceptionToNode(reason)
  }
}
