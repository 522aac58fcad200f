import {
  NotSerializableFault,
  ReturnedGraphFault,
  RunFault,
  StepFault,
} from '@taskgraph/scheduler/internal'
import type { TaskWorker } from '@taskgraph/scheduler'
import { decodeGraph, type Marks, type WireGraph } from '@taskgraph/scheduler/wire'
import { ClusterStoreError } from '../errors.js'
import { fromWireFault } from '../wire/faults.js'
import type { CallOutcome, ModuleFunction, Reply, StoredStep } from '../wire/job.js'
import { StoredResult } from '../wire/stored-values.js'
import type { Pending } from './cluster-run.js'
import type { ModuleFunctions } from './module-functions.js'

/** An outcome a worker sent back, other than a call handed back to be sent again. */
export type SettledOutcome = Exclude<CallOutcome, { readonly handedBack: unknown }>

/**
 * Settles calls with what workers replied: a stored result's marker (or an output's
 * value), the task's fault, or a graph the task returned, made again here with the
 * driver's own functions. Also tells each call's records where and when it ran.
 */
export class CallOutcomes {
  /** One object per worker thread, shared by its calls' records. */
  private readonly threads = new Map<string, TaskWorker>()

  constructor(
    private readonly functions: ModuleFunctions,
    /** What marks the graphs tasks return in this driver's replies (see `marksOf`). */
    private readonly marks: Marks,
    /**
     * Reads an output that came through the store (too large for Redis) from there:
     * rejects with a `NotSerializableFault` for one read that does not deserialize (the
     * task's failure), with another error for a store that could not be read.
     */
    private readonly readOutput: (stored: StoredResult) => Promise<unknown>,
    /** The driver's shared directory for large results, as a URL, if it has one. */
    private readonly store?: string,
  ) {}

  settle(pending: Pending, outcome: SettledOutcome, reply: Reply): void {
    const { run, call } = pending
    if (outcome.times !== undefined) {
      const [pid, threadId, ...steps] = outcome.times
      call.timed?.({
        worker: this.workerOf(reply, pid!, threadId!),
        steps,
        ...(outcome.bytes !== undefined && { resultBytes: outcome.bytes }),
      })
    }
    // A call that ended before its worker told of its start (see `announceStart`) began
    // about as long ago as it held its thread (no-op for one told of already).
    call.started(outcome.ms ?? 0)
    if (outcome.ok && outcome.graph !== undefined) {
      // The task returned a graph: made again here, where the run runs it in its place.
      this.remade(outcome.graph).then(pending.resolve, (error: unknown) =>
        pending.reject(unfound(error)),
      )
    } else if (outcome.ok) {
      if (outcome.changed !== undefined) call.resultChanged?.(outcome.changed)
      const key = call.steps?.at(-1)?.key ?? call.key
      if ('value' in outcome) pending.resolve(outcome.value)
      else {
        const stored = new StoredResult(run.id, key, outcome.large === true)
        if (!call.output) pending.resolve(stored)
        else if (stored.large && this.store === undefined)
          pending.reject(new RunFault(noSharedDirectory(key, reply.worker)))
        else
          this.readOutput(stored).then(pending.resolve, (error: unknown) => {
            if (error instanceof NotSerializableFault) pending.reject(error)
            else pending.reject(new RunFault(unreadOutput(key, error)))
          })
      }
    } else if (outcome.fault.kind === 'returned-graph') {
      const { step, graph } = outcome.fault
      this.remade(graph).then(
        (value) => pending.reject(new ReturnedGraphFault(step, value)),
        (error: unknown) => pending.reject(new StepFault(step, unfound(error))),
      )
    } else pending.reject(fromWireFault(outcome.fault, reply.worker, call.key, this.store))
  }

  /** A step of `pending`'s call whose result the run asked for ended (see `StoredStep`). */
  stepEnded(pending: Pending, notice: StoredStep): void {
    const { run, call } = pending
    const { step } = notice
    if ('notWorthKeeping' in notice) {
      const { durationMs } = notice
      call.stepResult?.(
        step,
        durationMs === undefined
          ? { notWorthKeeping: true }
          : { notWorthKeeping: true, durationMs },
      )
      return
    }
    if ('problem' in notice) {
      const { problem, durationMs } = notice
      call.stepResult?.(step, durationMs === undefined ? { problem } : { problem, durationMs })
      return
    }
    pending.stepsStored++
    const key = step === 0 ? call.key : call.steps![step - 1]!.key
    const value = new StoredResult(run.id, key, notice.large === true)
    const { durationMs } = notice
    call.stepResult?.(step, durationMs === undefined ? { value } : { value, durationMs })
  }

  /** A graph a worker sent back, made again with the driver's own functions. */
  private remade(graph: WireGraph<ModuleFunction>): Promise<unknown> {
    return decodeGraph(
      graph,
      this.marks,
      (described) => this.functions.load(described),
      (described) => `${described.name} (${described.module})`,
    )
  }

  private workerOf(reply: Reply, pid: number, threadId: number): TaskWorker {
    const id = `${reply.worker} ${pid} ${threadId}`
    let worker = this.threads.get(id)
    if (worker === undefined) {
      worker = { kind: 'cluster', host: reply.host ?? '', pid, threadId, name: reply.worker }
      this.threads.set(id, worker)
    }
    return worker
  }
}

/** Why a graph a task returned could not be made again on the driver. */
function unfound(error: unknown): NotSerializableFault {
  const reason = error instanceof Error ? error.message : String(error)
  return new NotSerializableFault('result', 'the result', 'a graph', reason)
}

/** Why the run fails when the output of task `key` could not be read from the store. */
/** An output its worker put in its shared directory, on a driver that was given none. */
function noSharedDirectory(key: string, worker: string): ClusterStoreError {
  return new ClusterStoreError({
    full: false,
    message: `task ${JSON.stringify(key)}: its result, an output of the run, is in the shared directory of worker ${worker}, and this driver was given none: give the driver the workers' shared directory (the ClusterExecutor's store option, --store on taskgraph run), then run again.`,
  })
}

function unreadOutput(key: string, error: unknown): ClusterStoreError {
  return new ClusterStoreError({
    full: false,
    message: `task ${JSON.stringify(key)}: its result, an output of the run, could not be read from the cluster's shared directory (${String(error)}). Check that the directory is mounted and readable on the driver's machine, then run again.`,
    cause: error,
  })
}
