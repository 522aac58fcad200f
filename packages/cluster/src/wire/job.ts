import type { StepWorth, WireError, WireGraph } from '@taskgraph/scheduler/wire'
import { opened, sealed } from './envelope.js'

/*
 * What crosses the queue. A job is a batch of calls of one run; a worker answers with a
 * reply listing each call's outcome. Functions are named by module and name, never sent as
 * code: the module as a path inside the project root (machines may keep the project in
 * different places), with a hash of its source, and one of the project files it imports,
 * that the worker checks against its own.
 * Arguments and results are V8-serialized, each batch and reply after an envelope naming
 * its calls (envelope.ts); a result kept in the store stands in the arguments as a marker
 * (stored-values.ts). Job data is JSON (BullMQ's), so the batch travels inside it as base64.
 */

/** BullMQ's job data. */
export interface JobData {
  readonly run: string
  readonly driver: string
  /** The batch (`JobBatch`), V8-serialized, as base64. */
  readonly batch: string
  /**
   * Times these calls' worker was lost before, in earlier jobs (a lost batch is re-sent
   * one call per job): counted with the job's own stalls toward the limit.
   */
  readonly lost: number
  /** Largest result the driver keeps in Redis; larger ones go to the shared directory. */
  readonly limit: number
}

/** A function, as a worker finds it. */
export type ModuleFunction =
  | {
      readonly kind: 'origin'
      /** The module's path, relative to the project root, with `/` separators. */
      readonly module: string
      readonly name: string
      readonly occurrence: number
      readonly hash: string | undefined
      /** Its module's and the project files it imports (see `codeHash`), if readable. */
      readonly code?: string
    }
  | {
      readonly kind: 'export'
      readonly module: string
      readonly name: string
      readonly hash: string | undefined
      readonly code?: string
    }

export interface JobBatch {
  readonly functions: readonly ModuleFunction[]
  readonly calls: readonly JobCall[]
  /**
   * Its one call is known to hold a thread long (see `CallCosts.isLong`): the worker
   * takes no job to wait behind it.
   */
  readonly long?: true
}

export interface JobCall {
  /** Names the call in the reply; unique per driver. */
  readonly id: number
  readonly key: string
  readonly name: string
  /** Index into the batch's `functions`. */
  readonly fn: number
  readonly args: unknown[]
  readonly steps?: readonly JobStep[]
  /**
   * Steps, not the last, whose results are stored too (0: the call's own task), under
   * their own keys: the driver's cache wants them.
   */
  readonly wanted?: readonly number[]
  /** For each of `wanted`, how it is judged worth storing (see `TaskCall.stepWorth`). */
  readonly worth?: readonly (StepWorth | null)[]
  /**
   * The driver's cache stores the result: the worker's thread checks what a copy of it
   * changes (see `TaskCall.resultChanged`), and the outcome says so (`changed`).
   */
  readonly exact?: true
  /** The result goes back in the reply rather than to the store. */
  readonly output: boolean
  readonly timeout?: number
  /** The driver keeps task records: say where and when the call ran (`CallOutcome.times`). */
  readonly timed?: true
}

export interface JobStep {
  readonly key: string
  readonly name: string
  readonly fn: number
  readonly args: unknown[]
  readonly holes: readonly number[]
}

export interface Reply {
  /** The worker's name. */
  readonly worker: string
  /** The worker's host, for task records. */
  readonly host?: string
  readonly outcomes: readonly CallOutcome[]
  /** Calls that began running on the worker's threads since its last reply. */
  readonly started?: readonly number[]
  /** How long ago each of `started` began, in whole ms: the notice comes a moment late. */
  readonly startedAgo?: readonly number[]
  /** Steps of calls whose results the driver asked for, ended since the last reply. */
  readonly steps?: readonly StoredStep[]
  /**
   * The job stays open a moment for more calls of its run (see worker/held-jobs.ts):
   * the worker's id names the channel to tell it on.
   */
  readonly held?: {
    readonly run: string
    readonly job: string
    /** The hold's id: one per time the job is held. */
    readonly hold: string
    readonly worker: string
  }
  /**
   * The job ran before on a worker that was lost: calls the driver sent to it while that
   * worker held it are lost with it, and go again.
   */
  readonly redelivered?: { readonly run: string; readonly job: string }
}

export type CallOutcome =
  /**
   * Succeeded: the result is here (an output), or in the store under the key of the
   * call's last task; `large` if in the large store (the driver deletes it there too).
   */
  | ({
      readonly id: number
      readonly ok: true
      readonly value?: unknown
      readonly large?: true
      /** For a call checked `exact`: what a copy changed of the result, not to be cached. */
      readonly changed?: string
      /** The task returned a graph: here it is, for the driver to run in its place. */
      readonly graph?: WireGraph<ModuleFunction>
    } & Timed)
  | ({ readonly id: number; readonly ok: false; readonly fault: WireFault } & Timed)
  /**
   * The worker gave the call back without an outcome (it is stopping, or its batch's
   * worker was lost and each call goes again alone: `lost`).
   */
  | { readonly id: number; readonly handedBack: 'stopping' | 'lost' }

/**
 * The result of a step call `id` was asked for (`JobCall.wanted`), told as the step
 * ends: stored under the step's key (`large`: in the large store), with how long the step
 * ran (ms); or why it could not be.
 */
export type StoredStep =
  | {
      readonly id: number
      readonly step: number
      readonly durationMs?: number
      readonly large?: true
    }
  | {
      readonly id: number
      readonly step: number
      readonly problem: string
      readonly durationMs?: number
    }
  /** Not stored: larger than what it cost could make worth keeping (`JobCall.worth`). */
  | {
      readonly id: number
      readonly step: number
      readonly notWorthKeeping: true
      readonly durationMs?: number
    }

/**
 * Where and when a call ran, for a call that asked (`JobCall.timed`): the pid and thread
 * id of the worker's thread, then the start and end of each step that ran (epoch ms);
 * and the size of the result the worker stored. And how long the call held its thread,
 * in whole ms, if 1 or more: the driver weighs later calls of its functions by it.
 */
interface Timed {
  readonly times?: readonly number[]
  readonly bytes?: number
  readonly ms?: number
}

/** Why a call failed, as the scheduler's faults say it (see driver/faults.ts). */
export type WireFault =
  | { readonly kind: 'threw'; readonly error: WireError }
  | { readonly kind: 'timed-out'; readonly ms: number }
  | { readonly kind: 'lost'; readonly detail: string }
  | {
      readonly kind: 'not-serializable'
      readonly direction: 'argument' | 'result'
      readonly path: string
      readonly valueType: string
      readonly reason?: string
    }
  | {
      readonly kind: 'step'
      readonly step: number
      readonly reason: WireFault
      readonly input?: { readonly value: unknown }
    }
  | { readonly kind: 'stalled' }
  | { readonly kind: 'unhandled-rejection'; readonly error: WireError }
  | { readonly kind: 'start'; readonly detail: string; readonly limitMs?: number }
  /**
   * The worker cannot run the function of the call's step `step` (absent: its first):
   * it refused the module, or its threads found no such function there. Nothing ran.
   */
  | {
      readonly kind: 'refused'
      readonly module: string
      readonly message: string
      readonly step?: number
    }
  | { readonly kind: 'too-large'; readonly bytes: number; readonly limit: number }
  | { readonly kind: 'missing-input'; readonly key: string }
  /** The worker failed in its own code, not the task's nor the store's: `error`, as it threw. */
  | { readonly kind: 'internal'; readonly error: WireError }
  /**
   * The worker could not read or write the call's data in the cluster's store: Redis
   * answered a command with an error (`full`: it reached its maxmemory), or the shared
   * directory for large results failed (`detail` says how).
   */
  | {
      readonly kind: 'store'
      readonly source: 'redis' | 'directory'
      readonly detail: string
      readonly full?: true
    }
  /** Step `step` of a fused call returned a graph: the call ended there (not a failure). */
  | {
      readonly kind: 'returned-graph'
      readonly step: number
      readonly graph: WireGraph<ModuleFunction>
    }

export function packBatch(batch: JobBatch): string {
  return sealed(
    batch.calls.map((call) => call.id),
    batch,
  ).toString('base64')
}

/**
 * The batch of a job, if the job has the shape a driver gives it; throws otherwise (a job
 * written by hand into the queue), an `UnreadableMessage` if only its envelope reads.
 * Values deeper in are checked where they are used.
 */
export function checkedBatch(data: unknown): JobBatch {
  const job = data as Partial<Record<keyof JobData, unknown>> | null
  if (
    typeof job !== 'object' ||
    job === null ||
    typeof job.run !== 'string' ||
    typeof job.driver !== 'string' ||
    typeof job.batch !== 'string' ||
    typeof job.lost !== 'number' ||
    typeof job.limit !== 'number'
  ) {
    throw new Error('its data lacks run, driver, batch, lost or limit')
  }
  const batch = opened(Buffer.from(job.batch, 'base64')) as Partial<JobBatch> | null
  if (!Array.isArray(batch?.functions) || !Array.isArray(batch.calls)) {
    throw new Error('its batch lacks functions or calls')
  }
  for (const call of batch.calls as unknown[]) {
    if (!isCall(call, batch.functions.length)) throw new Error('a call of its batch is malformed')
  }
  return batch as JobBatch
}

/** Whether `value` is a call as a driver writes it, of a batch of `functions` functions. */
function isCall(value: unknown, functions: number): boolean {
  const names = (fn: unknown): boolean =>
    Number.isInteger(fn) && Number(fn) >= 0 && Number(fn) < functions
  const call = (typeof value === 'object' && value !== null ? value : {}) as Partial<JobCall>
  const { id, fn, args, steps, timeout } = call
  return (
    typeof id === 'number' &&
    names(fn) &&
    Array.isArray(args) &&
    (timeout === undefined || (typeof timeout === 'number' && timeout > 0)) &&
    (steps === undefined ||
      (Array.isArray(steps) &&
        steps.every(
          (step: unknown) =>
            typeof step === 'object' &&
            step !== null &&
            names((step as JobStep).fn) &&
            Array.isArray((step as JobStep).args) &&
            Array.isArray((step as JobStep).holes),
        )))
  )
}

export function packReply(reply: Reply): Buffer {
  return sealed(
    reply.outcomes.map((outcome) => outcome.id),
    reply,
  )
}

/** The reply in `bytes`; throws an `UnreadableMessage` if only its envelope reads. */
export function unpackReply(bytes: Buffer): Reply {
  return opened(bytes) as Reply
}
