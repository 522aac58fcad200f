import type { TaskCall } from '@taskgraph/scheduler/internal'
import type { ModuleFunction } from '../wire/job.js'
import type { StoredResult } from '../wire/stored-values.js'
import type { CachedKeeper } from './cached-results.js'
import type { HeldJob } from './job-holds.js'

/** A call waiting for its outcome. */
export interface Pending {
  readonly call: TaskCall
  readonly run: ClusterRun
  /** The call's function, then each fused step's. */
  readonly functions: readonly ModuleFunction[]
  readonly resolve: (value: unknown) => void
  readonly reject: (reason: unknown) => void
  /** It is known to hold a thread long: it goes in a job of its own (long-calls.ts). */
  readonly long: boolean
  /** Times its worker was lost in earlier jobs; > 0: it goes in a job of its own. */
  lost: number
  /** Steps of its chain whose results were stored and told of (see `StoredStep`). */
  stepsStored: number
  /** Names it in replies, once sent (a new id each time it is sent). */
  id: number
  /** The job it was sent in, once sent. */
  job: string | undefined
  /** It was sent to a job its worker held open (`job`), not as a job of its own. */
  held?: boolean
}

/** What the driver keeps of one run on the cluster. */
export class ClusterRun {
  /** Calls not sent yet, in the order the scheduler launched them. */
  readonly queued: Pending[] = []
  /** Jobs sent and not answered: job id → calls still awaited in it. */
  readonly jobs = new Map<string, Set<Pending>>()
  /** Every job sent for it: the run ends once none is left in BullMQ (remove-run.ts). */
  readonly sent = new Set<string>()
  /** Jobs workers hold open for more of its calls, as their replies offered (job-holds.ts). */
  readonly offers: HeldJob[] = []
  /**
   * Copies of calls sent to held jobs in the last `HOLD_TTL_MS` (older ones have expired):
   * their workers delete them once the calls ran, and the run's end those of a worker lost
   * meanwhile (job-holds.ts).
   */
  readonly follows: { readonly key: string; readonly at: number }[] = []
  /** Stored results no task will read any more, to delete soon. */
  readonly released: StoredResult[] = []
  ended = false
  /** Keeps the results the run read from its cache in its store (see `Executor.keep`). */
  keeper: CachedKeeper | undefined
  /** Resolves once the run's record exists in Redis (workers run only calls of runs on). */
  opened: Promise<void> | undefined
  /** Whether `opened` has resolved: from then on the driver renews the record. */
  recorded = false
  /**
   * When the driver last asked Redis to write or renew the record and it did
   * (`performance.now()`): the record stands for `RUN_TTL_MS` from a moment after.
   */
  renewedAt = 0
  /**
   * Whether its record is being written (the executor has started): a run that ends
   * before then writes nothing, and its end need not wait for the start.
   */
  recording = false

  constructor(
    readonly id: string,
    readonly signal: AbortSignal,
  ) {}
}
