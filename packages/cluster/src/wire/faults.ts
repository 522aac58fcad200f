import {
  NotSerializableFault,
  RunFault,
  StalledFault,
  StepFault,
  TimedOutFault,
  UnhandledRejectionFault,
  UnreachableFault,
  WorkerLostFault,
  WorkerStartFault,
  causeText,
} from '@taskgraph/scheduler/internal'
import { fromWireError, toWireError } from '@taskgraph/scheduler/wire'
import {
  ClusterConnectionError,
  ClusterInternalError,
  ClusterStoreError,
  ModuleRefusedError,
  ResultTooLargeError,
} from '../errors.js'
import {
  FULL_FIX,
  REFUSED_FIX,
  isRedisFull,
  isRedisReply,
  refusalText,
  saysTooLong,
  tooLongFix,
} from '../redis-refusals.js'
import type { WireFault } from './job.js'
import { SharedFileMissing, SharedFileUnwritten } from '../store/file-store.js'

/*
 * A call's failure, across the queue: the worker runs calls on a pool of its own, whose
 * faults (or the task's own error) it sends as a `WireFault`; the driver makes the same
 * fault again, so the scheduler reports the same `TaskError` as on a local pool.
 */

/** In a worker: what a call's rejection on its pool says, as a `WireFault`. */
export function toWireFault(error: unknown): WireFault {
  if (error instanceof TimedOutFault) return { kind: 'timed-out', ms: error.timeoutMs }
  if (error instanceof WorkerLostFault) return { kind: 'lost', detail: error.message }
  if (error instanceof NotSerializableFault) {
    const { direction, path, valueType, reason } = error
    return { kind: 'not-serializable', direction, path, valueType, reason }
  }
  if (error instanceof StepFault) {
    const { step, reason, input } = error
    return { kind: 'step', step, reason: toWireFault(reason), ...(input && { input }) }
  }
  if (error instanceof StalledFault) return { kind: 'stalled' }
  if (error instanceof UnhandledRejectionFault) {
    return { kind: 'unhandled-rejection', error: toWireError(error.reason) }
  }
  if (error instanceof WorkerStartFault) {
    return {
      kind: 'start',
      detail: error.message,
      ...(error.limitMs && { limitMs: error.limitMs }),
    }
  }
  return { kind: 'threw', error: toWireError(error) }
}

/**
 * In a worker: the fault of a job it could not run for a reason of its own, not a task's:
 * the cluster's store failed, or else its own code threw (`internal`, with the stack).
 */
export function jobFault(error: unknown): WireFault {
  return storeFault(error) ?? { kind: 'internal', error: toWireError(error) }
}

/**
 * The fault of a job a worker could not run for a reason of the cluster's store, if
 * `error` is one: Redis answered a command with an error, or the file system failed (the
 * shared directory; a system error has its `syscall`). `undefined` otherwise.
 */
function storeFault(error: unknown): WireFault | undefined {
  if (isRedisReply(error)) {
    const detail = refusalText(error)
    return { kind: 'store', source: 'redis', detail, ...(isRedisFull(error) && { full: true }) }
  }
  if (
    error instanceof SharedFileMissing ||
    error instanceof SharedFileUnwritten ||
    (error instanceof Error && 'syscall' in error)
  ) {
    return { kind: 'store', source: 'directory', detail: error.message }
  }
  return undefined
}

/**
 * On the driver: the fault a `WireFault` from `worker` stands for. (A returned graph is
 * made again first, asynchronously: see the driver's `settle`.)
 */
export function fromWireFault(
  fault: Exclude<WireFault, { kind: 'returned-graph' }>,
  worker: string,
  key: string,
  /** The driver's shared directory for large results (its `store` option), if it has one. */
  store?: string,
): unknown {
  switch (fault.kind) {
    case 'threw':
      return fromWireError(fault.error)
    case 'timed-out':
      return new TimedOutFault(fault.ms, 'stopped')
    case 'lost':
      return new WorkerLostFault(`${fault.detail} (on cluster worker ${worker})`)
    case 'not-serializable':
      return new NotSerializableFault(fault.direction, fault.path, fault.valueType, fault.reason)
    case 'step':
      return new StepFault(
        fault.step,
        fromWireFault(
          fault.reason as Exclude<WireFault, { kind: 'returned-graph' }>,
          worker,
          key,
          store,
        ),
        fault.input,
      )
    case 'stalled':
      return new StalledFault()
    case 'unhandled-rejection':
      return new UnhandledRejectionFault(fromWireError(fault.error))
    case 'start':
      return new WorkerStartFault(`cluster worker ${worker}: ${fault.detail}`, fault.limitMs)
    case 'refused':
      // A later step of a fused call: the run splits the chain before it, and it is
      // refused as a call of its own (or runs, on a worker that takes it).
      if (fault.step !== undefined && fault.step > 0) {
        return new UnreachableFault(fault.step, `cluster worker ${worker}: ${fault.message}`)
      }
      // The worker's own words say what it refused; which worker it was, they do not.
      return new ModuleRefusedError({
        module: fault.module,
        worker,
        message: `cluster worker ${worker}: ${fault.message}`,
      })
    case 'too-large': {
      const over = `task ${JSON.stringify(key)}: its result is ${fault.bytes} bytes, more than the ${fault.limit} bytes a result may take in Redis`
      return new ResultTooLargeError({
        bytes: fault.bytes,
        limit: fault.limit,
        message:
          store === undefined
            ? `${over}. Give the cluster a shared directory for large results (--store file:///mnt/shared/taskgraph, or the store option), or raise the limit (the maxStoredBytes option; taskgraph run --max-stored-bytes).`
            : // The driver has a shared directory; the worker that ran the task was started without.
              `${over}, and cluster worker ${worker} has no shared directory for larger ones. Start every worker with the driver's: taskgraph worker --store ${store}.`,
      })
    }
    case 'store':
      return new RunFault(storeError(fault, worker, key, store))
    case 'missing-input':
      return new RunFault(
        new ClusterConnectionError({
          message: `task ${JSON.stringify(key)}: the stored result of its input ${JSON.stringify(fault.key)} is gone from the cluster's store: Redis restarted without persistence, or evicted it. Configure Redis with maxmemory-policy noeviction, and run again.`,
        }),
      )
    case 'internal': {
      const cause = fromWireError(fault.error)
      return new RunFault(
        new ClusterInternalError({
          worker,
          key,
          message: `task ${JSON.stringify(key)}: cluster worker ${worker} failed in taskgraph's own code while running the task's job, not in the task (${causeText(cause)}). This is a bug of taskgraph: report it, with the worker's stack (this error's cause). Running again may succeed.`,
          cause,
        }),
      )
    }
  }
}

/** What a worker's `store` fault fails the run with. */
function storeError(
  fault: Extract<WireFault, { kind: 'store' }>,
  worker: string,
  key: string,
  store: string | undefined,
): ClusterStoreError {
  const what = `task ${JSON.stringify(key)}: cluster worker ${worker} could not read or store its data`
  const fix =
    fault.full === true
      ? `Redis is full (it reached its maxmemory). ${FULL_FIX}`
      : saysTooLong(fault.detail)
        ? tooLongFix(store)
        : fault.source === 'redis'
          ? `Redis refused a command. ${REFUSED_FIX}`
          : `The shared directory for large results failed: check that it is mounted and writable by every worker (and the driver), with room to spare.`
  return new ClusterStoreError({
    full: fault.full === true,
    message: `${what} (${fault.detail}). ${fix}`,
  })
}
