import {
  argumentFault,
  type NotSerializableFault,
  type UnsendableStepFault,
} from '@taskgraph/scheduler/internal'
import {
  findCallProblem,
  findCloneProblem,
  readProblem,
  type CloneProblem,
} from '@taskgraph/scheduler/wire'
import {
  packBatch,
  type JobBatch,
  type JobCall,
  type JobStep,
  type ModuleFunction,
} from '../wire/job.js'
import { markStored, sendableAsIs } from '../wire/stored-values.js'
import type { Pending } from './cluster-run.js'

// How the driver packs queued calls into jobs: how many go in one, and how each is
// written (functions by index into the job's table, stored results as markers).

/** Most calls in one job. */
export const MAX_CALLS_PER_JOB = 1000

/**
 * The next calls to send in one job: an even share of what is queued over the `room`
 * jobs that may still go out (so every worker thread gets some), or one call alone if
 * it is long (long-calls.ts) or its last job's worker was lost (so only the call at
 * fault is charged if it happens again).
 */
export function takeBatch(queued: Pending[], room: number): Pending[] {
  if (goesAlone(queued[0]!)) return [queued.shift()!]
  const size = Math.min(MAX_CALLS_PER_JOB, Math.ceil(queued.length / Math.max(1, room)))
  let end = 0
  while (end < size && end < queued.length && !goesAlone(queued[end]!)) end++
  return queued.splice(0, end)
}

function goesAlone(pending: Pending): boolean {
  return pending.long || pending.lost > 0
}

/** The functions of one job, each listed once; calls name them by index. */
export class FunctionTable {
  readonly functions: ModuleFunction[] = []
  private readonly indexOf = new Map<ModuleFunction, number>()

  index(fn: ModuleFunction): number {
    let i = this.indexOf.get(fn)
    if (i === undefined) {
      i = this.functions.push(fn) - 1
      this.indexOf.set(fn, i)
    }
    return i
  }
}

/** A call as job `id` carries it, or the fault of an argument that cannot be sent. */
export function toJobCall(
  pending: Pending,
  id: number,
  table: FunctionTable,
  marker: string,
): JobCall | NotSerializableFault | UnsendableStepFault {
  const { call, functions } = pending
  let step = 0
  let args: unknown[]
  let steps: JobStep[] | undefined
  try {
    args = markStored(call.args, marker) as unknown[]
    steps = call.steps?.map((fused, i) => {
      step = i + 1
      return {
        key: fused.key,
        name: fused.name,
        fn: table.index(functions[i + 1]!),
        args: markStored(fused.args, marker) as unknown[],
        holes: fused.holes,
      }
    })
  } catch (error) {
    // Reading the arguments ran code of the caller's that threw (a getter): that step's
    // arguments cannot be sent, as on a pool.
    return argumentFault(readProblem(step, error))
  }
  // Each step's arguments are checked as its own call's would be: a step at fault is
  // reported as itself (see `UnsendableStepFault`).
  const found = findCallProblem(args, steps, (stepArgs) => cloneProblem(stepArgs, marker))
  if (found !== undefined) return argumentFault(found)
  const timeout = call.options.timeout
  return {
    id,
    key: call.key,
    name: call.name,
    fn: table.index(functions[0]!),
    args,
    ...(steps && { steps }),
    ...(call.stepsWanted !== undefined && { wanted: call.stepsWanted }),
    ...(call.stepWorth !== undefined && { worth: call.stepWorth }),
    ...(call.resultChanged !== undefined && { exact: true as const }),
    output: call.output,
    ...(timeout !== undefined && { timeout }),
    ...(call.timed !== undefined && { timed: true as const }),
  }
}

/**
 * What in `args` cannot cross to another process, at `root`. Most calls' arguments are
 * primitives (numbers, strings) and markers, in lists at most, which a copy carries as
 * they are: not walked.
 */
function cloneProblem(args: readonly unknown[], marker: string): CloneProblem | undefined {
  return sendableAsIs(args, marker)
    ? undefined
    : findCloneProblem(args, 'args', { sameProcess: false })
}

/** A batch written as one job's payload: the calls it carries, and the bytes. */
export interface PackedJob {
  readonly sendable: readonly Pending[]
  readonly batch: string
}

/**
 * Writes `batch` as one job's payload, numbering its calls with `nextId` and marking stored
 * results with `marker` (the driver's `markerProperty`). A call that
 * cannot be written (an argument that cannot be copied, or one whose getter throws)
 * fails alone and the others go. `undefined` if none is left.
 */
export function packJob(
  batch: readonly Pending[],
  nextId: () => number,
  marker: string,
): PackedJob | undefined {
  const table = new FunctionTable()
  const calls: JobCall[] = []
  const sendable: Pending[] = []
  for (const pending of batch) {
    let call: JobCall | NotSerializableFault | UnsendableStepFault
    try {
      call = toJobCall(pending, nextId(), table, marker)
    } catch (error) {
      pending.reject(error)
      continue
    }
    if (call instanceof Error) {
      pending.reject(call)
      continue
    }
    pending.id = call.id
    calls.push(call)
    sendable.push(pending)
  }
  if (calls.length === 0) return undefined
  const long = sendable.length === 1 && sendable[0]!.long
  const packed = serialized(
    { functions: table.functions, calls, ...(long && { long: true as const }) },
    sendable,
  )
  return packed === undefined ? undefined : { sendable, batch: packed }
}

/**
 * The batch serialized. A copy can fail on what only copying finds (data nested
 * thousands of levels deep): then each call is checked again, those at fault fail with
 * `NotSerializableFault` (see `argumentFault`), and the others go.
 */
function serialized(batch: JobBatch, sendable: Pending[]): string | undefined {
  const calls = batch.calls as JobCall[]
  try {
    return packBatch(batch)
  } catch (error) {
    const check = { sameProcess: false, afterFailure: true }
    for (let i = calls.length - 1; i >= 0; i--) {
      const found = findCallProblem(calls[i]!.args, calls[i]!.steps, (args) =>
        findCloneProblem(args, 'args', check),
      )
      if (found === undefined) continue
      sendable[i]!.reject(argumentFault(found))
      calls.splice(i, 1)
      sendable.splice(i, 1)
    }
    if (calls.length === 0) return undefined
    try {
      return packBatch(batch)
    } catch {
      for (const pending of sendable) pending.reject(error)
      return undefined
    }
  }
}
