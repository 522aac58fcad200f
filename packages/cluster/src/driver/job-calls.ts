import { NotSerializableFault } from '@taskgraph/scheduler/internal'
import { findCloneProblem } from '@taskgraph/scheduler/wire'
import type { JobCall, ModuleFunction } from '../wire/job.js'
import { markStored } from '../wire/stored-values.js'
import type { Pending } from './cluster-run.js'

// How the driver packs queued calls into jobs: how many go in one, and how each is
// written (functions by index into the job's table, stored results as markers).

/** Most calls in one job. */
export const MAX_CALLS_PER_JOB = 1000

/**
 * The next calls to send in one job: an even share of what is queued over the `room`
 * jobs that may still go out (so every worker thread gets some), or one call alone if
 * its last job's worker was lost (so only the call at fault is charged if it happens again).
 */
export function takeBatch(queued: Pending[], room: number): Pending[] {
  if (queued[0]!.lost > 0) return [queued.shift()!]
  const size = Math.min(MAX_CALLS_PER_JOB, Math.ceil(queued.length / Math.max(1, room)))
  let end = 0
  while (end < size && end < queued.length && queued[end]!.lost === 0) end++
  return queued.splice(0, end)
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
): JobCall | NotSerializableFault {
  const { call, functions } = pending
  const args = markStored(call.args) as unknown[]
  const steps = call.steps?.map((step, i) => ({
    key: step.key,
    name: step.name,
    fn: table.index(functions[i + 1]!),
    args: markStored(step.args) as unknown[],
    holes: step.holes,
  }))
  const problem =
    findCloneProblem(args, 'args', false) ??
    steps?.reduce<ReturnType<typeof findCloneProblem>>(
      (found, step, i) => found ?? findCloneProblem(step.args, `args of step ${i + 1}`, false),
      undefined,
    )
  if (problem !== undefined) {
    return new NotSerializableFault('argument', problem.path, problem.type, problem.reason)
  }
  const timeout = call.options.timeout
  return {
    id,
    key: call.key,
    name: call.name,
    fn: table.index(functions[0]!),
    args,
    ...(steps && { steps }),
    output: call.output,
    ...(timeout !== undefined && { timeout }),
    ...(call.timed !== undefined && { timed: true as const }),
  }
}
