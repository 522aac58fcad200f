import { deserialize, serialize } from 'node:v8'
import type { AnyFunction } from '@taskgraph/core'
import { describeValue } from '@taskgraph/core/internal'
import {
  ExecutorClosedFault,
  ReturnedGraphFault,
  UnreachableFault,
  type CallTiming,
  type Executor,
  type StepResult,
  type TaskCall,
} from '@taskgraph/scheduler/internal'
import {
  encodeGraph,
  holdsGraph,
  isGraphProblem,
  leastBytes,
  type GraphProblem,
  type Marks,
  type WireGraph,
} from '@taskgraph/scheduler/wire'
import { unreadableStored } from '../wire/envelope.js'
import { toWireFault } from '../wire/faults.js'
import type {
  CallOutcome,
  JobBatch,
  JobCall,
  ModuleFunction,
  StoredStep,
  WireFault,
} from '../wire/job.js'
import { fillStored, markedKeys } from '../wire/stored-values.js'
import type { ResultStore, StoreEntry } from '../store/result-store.js'
import type { ModulePolicy, Resolved } from './module-policy.js'

/** What running a job needs from its worker. */
export interface JobContext {
  readonly run: string
  /** The worker's name, for what its calls' faults say. */
  readonly worker: string
  /** What marks stored results in the job's calls: its driver's `markerProperty`. */
  readonly marker: string
  /** What marks a graph a call returns, for its driver: `marksOf` the driver's id. */
  readonly marks: Marks
  /** Whether the run is still on (asked at once, answered while the job gets ready). */
  readonly open: Promise<boolean>
  readonly batch: JobBatch
  readonly policy: ModulePolicy
  readonly store: ResultStore
  /** Results this worker stored a moment ago, by key: read from here first. */
  readonly local?: ReadonlyMap<string, Buffer>
  /** The worker's pool, where the calls run (taken when they are handed over). */
  readonly pool: () => Executor
  /** Largest result the store takes, and whether a large store takes the rest. */
  readonly limit: number
  readonly largeStore: boolean
  /** Aborted when the job must stop: its run ended, or the worker is stopping. */
  readonly signal: AbortSignal
  /** A call began on the pool. */
  readonly started: (id: number) => void
  /** A call ended on the pool (or was dropped from it before it began). */
  readonly ended: (id: number) => void
  /**
   * A step whose result the driver asked for (`JobCall.wanted`) ended: its notice, and
   * the result to store first (unless it could not be).
   */
  readonly stepEnded: (notice: StoredStep, entry?: StoreEntry) => void
  /** A call of the job ended (or was handed back): its outcome, and its result to store. */
  readonly callEnded: (outcome: CallOutcome, entry?: StoreEntry) => void
}

/** What a job came to: its outcomes (for the reply) and the results to store first. */
export interface JobResult {
  readonly outcomes: CallOutcome[]
  readonly entries: StoreEntry[]
}

/**
 * Runs a job's calls on the worker's pool: resolves their functions (as the policy
 * allows), reads their stored inputs, and turns each outcome into a result to store (or,
 * for an output, to send back) or a fault. Calls still running when the job is stopped
 * are handed back, so the driver sends them again. `undefined` if the run is over.
 */
export async function runJob(context: JobContext): Promise<JobResult | undefined> {
  const { batch } = context
  const functions = batch.functions.map((fn) => context.policy.resolve(fn))
  // Calls are checked one by one only in a job where something is amiss.
  const refusing = functions.some((resolved) => 'refused' in resolved)
  const [open, { values: inputs, complete, unreadable }] = await Promise.all([
    context.open,
    readInputs(context),
  ])
  // Its run is over (it ended, or its driver died): the job is dropped.
  if (!open) return undefined
  const outcomes: CallOutcome[] = []
  const entries: StoreEntry[] = []
  const stopped = whenStopped(context.signal)
  const settled = batch.calls.map(async (call): Promise<void> => {
    // The result the call stores, if it succeeds (`toOutcome`).
    const stored: StoreEntry[] = []
    const ended = (outcome: CallOutcome): void => {
      outcomes.push(outcome)
      entries.push(...stored)
      context.callEnded(outcome, stored[0])
    }
    const refused = refusing ? refusal(call, functions, batch) : undefined
    if (refused !== undefined) {
      ended({ id: call.id, ok: false, fault: refused })
      return
    }
    const missing = complete ? undefined : missingInput(call, inputs, context.marker)
    if (missing !== undefined) {
      const reason = unreadable.get(missing)
      ended({
        id: call.id,
        ok: false,
        fault:
          reason === undefined
            ? { kind: 'missing-input', key: missing }
            : {
                kind: 'not-serializable',
                direction: 'argument',
                path: `the stored result of its input ${JSON.stringify(missing)}`,
                valueType: 'data another process wrote',
                reason: unreadableStored(`cluster worker ${context.worker}`, reason),
              },
      })
      return
    }
    let timing: CallTiming | undefined
    const timed = call.timed === true ? (measured: CallTiming) => (timing = measured) : undefined
    const measure: CallMeasure = { blockedMs: 0, changed: undefined }
    try {
      const running = runCall(context, call, functions, inputs, timed, measure)
      const offPool = (): void => context.ended(call.id)
      running.then(offPool, offPool)
      const value = await Promise.race([running, stopped])
      const outcome = holdsGraph(value)
        ? graphOutcome(context, call, undefined, value)
        : toOutcome(context, call, value, stored, measure.changed)
      ended(withMeasures(outcome, timing, measure.blockedMs))
    } catch (error) {
      if (error instanceof ReturnedGraphFault) {
        // A step of a fused call returned a graph: the call ended there.
        ended(
          withMeasures(
            graphOutcome(context, call, error.step, error.value),
            timing,
            measure.blockedMs,
          ),
        )
      } else if (error === STOPPED || error instanceof ExecutorClosedFault) {
        ended({ id: call.id, handedBack: 'stopping' })
      } else if (error instanceof UnreachableFault) {
        // The threads could not import the module, or it made no such function there (or,
        // for a later step, it had not finished importing: the driver splits the chain).
        const { step } = error
        const fn = step === 0 ? call.fn : call.steps![step - 1]!.fn
        const { module } = batch.functions[fn]!
        ended({
          id: call.id,
          ok: false,
          fault: { kind: 'refused', module, message: error.message, ...(step > 0 && { step }) },
        })
      } else {
        const failed: CallOutcome = { id: call.id, ok: false, fault: toWireFault(error) }
        ended(withMeasures(failed, timing, measure.blockedMs))
      }
    }
  })
  await Promise.all(settled)
  return { outcomes, entries }
}

/**
 * A call whose task (or step `step` of its chain) returned a graph: the graph goes to the
 * driver, written as data, its functions named by module path inside the project; the
 * driver makes it again and runs it. A function the driver could not find (made at run
 * time) fails the call, saying so.
 */
function graphOutcome(
  context: JobContext,
  call: JobCall,
  step: number | undefined,
  value: unknown,
): CallOutcome {
  let graph: WireGraph<ModuleFunction> | GraphProblem
  try {
    graph = encodeGraph(value, context.marks, (fn) => context.policy.describe(fn))
  } catch (error) {
    graph = { problem: error instanceof Error ? error.message : String(error) }
  }
  if (isGraphProblem(graph)) {
    const fault: WireFault = {
      kind: 'not-serializable',
      direction: 'result',
      path: 'the result',
      valueType: 'a graph',
      reason: graph.problem,
    }
    return { id: call.id, ok: false, fault }
  }
  if (step === undefined) return { id: call.id, ok: true, graph }
  return { id: call.id, ok: false, fault: { kind: 'returned-graph', step, graph } }
}

/** The reason a job's call was stopped before it settled. */
const STOPPED = new Error('the job was stopped')

/** What `whenStopped` made for each job's signal. */
const stoppedBy = new WeakMap<AbortSignal, Promise<never>>()

/**
 * Rejects with `STOPPED` once `signal` aborts: one listener for all of a job's calls,
 * and all of its batches (a job held open runs many, each listening on its signal: past
 * ten, Node warned of a leak).
 */
function whenStopped(signal: AbortSignal): Promise<never> {
  let stopped = stoppedBy.get(signal)
  if (stopped !== undefined) return stopped
  stopped = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(STOPPED)
    else signal.addEventListener('abort', () => reject(STOPPED), { once: true })
  })
  // Raced against each call; a job that is never stopped never settles it.
  stopped.catch(() => {})
  stoppedBy.set(signal, stopped)
  return stopped
}

function refusal(
  call: JobCall,
  functions: readonly Resolved[],
  batch: JobBatch,
): WireFault | undefined {
  for (const [step, index] of [call.fn, ...(call.steps ?? []).map((next) => next.fn)].entries()) {
    const resolved = functions[index]!
    if ('refused' in resolved) {
      const { module } = batch.functions[index]!
      return { kind: 'refused', module, message: resolved.refused, ...(step > 0 && { step }) }
    }
  }
  return undefined
}

/** The first byte of what V8's serializer writes. */
const V8_VERSION_TAG = 0xff

/** The stored values a batch's calls take (see `readInputs`). */
interface Inputs {
  readonly values: Map<string, unknown>
  /** Whether every one was found and read (else each call is checked for what it lacks). */
  complete: boolean
  /** Why each stored value found that could not be read back could not. */
  readonly unreadable: Map<string, unknown>
}

/** The stored values the batch's calls take, read at once. */
async function readInputs(context: JobContext): Promise<Inputs> {
  const keys = new Set<string>()
  for (const call of context.batch.calls) {
    markedKeys(call.args, keys, context.marker)
    for (const step of call.steps ?? []) markedKeys(step.args, keys, context.marker)
  }
  const inputs: Inputs = { values: new Map(), complete: true, unreadable: new Map() }
  // What another Node stored, or nested deeper than this worker's stack reads, fails the
  // calls that take it, saying so: thrown, it failed the job as a bug of taskgraph. Bytes
  // V8 did not write (no version tag first) were not stored by taskgraph as they are:
  // they still fail the job, with the worker's stack.
  const read = (key: string, bytes: Buffer): void => {
    try {
      inputs.values.set(key, deserialize(bytes))
    } catch (error) {
      if (bytes[0] !== V8_VERSION_TAG) throw error
      inputs.unreadable.set(key, error)
      inputs.complete = false
    }
  }
  for (const [key, bytes] of context.local ?? []) if (keys.delete(key)) read(key, bytes)
  if (keys.size === 0) return inputs
  const wanted = [...keys]
  const bytes = await context.store.get(context.run, wanted)
  wanted.forEach((key, i) => {
    const found = bytes[i]
    if (found !== undefined) read(key, found)
    else inputs.complete = false
  })
  return inputs
}

function missingInput(
  call: JobCall,
  inputs: ReadonlyMap<string, unknown>,
  marker: string,
): string | undefined {
  const keys = new Set<string>()
  markedKeys(call.args, keys, marker)
  for (const step of call.steps ?? []) markedKeys(step.args, keys, marker)
  for (const key of keys) if (!inputs.has(key)) return key
  return undefined
}

/** What the pool tells of a call besides its result. */
interface CallMeasure {
  /** How long it held its thread. */
  blockedMs: number
  /** What a copy changed of its result, for a call checked `exact` (see `JobCall.exact`). */
  changed: string | undefined
}

function runCall(
  context: JobContext,
  job: JobCall,
  functions: readonly Resolved[],
  inputs: ReadonlyMap<string, unknown>,
  timed: TaskCall['timed'],
  measure: CallMeasure,
): Promise<unknown> {
  const fnOf = (index: number): AnyFunction => (functions[index] as { fn: AnyFunction }).fn
  const call: TaskCall = {
    key: job.key,
    name: job.name,
    fn: fnOf(job.fn),
    args: fillStored(job.args, inputs, context.marker) as unknown[],
    options: job.timeout === undefined ? {} : { timeout: job.timeout },
    mainThread: false,
    signal: context.signal,
    output: job.output,
    attempt: 1,
    // Retries are the driver's: each attempt is a call of its own here.
    lastAttempt: true,
    ...(job.steps && {
      steps: job.steps.map((step) => ({
        key: step.key,
        name: step.name,
        fn: fnOf(step.fn),
        args: fillStored(step.args, inputs, context.marker) as unknown[],
        holes: step.holes,
      })),
    }),
    ...(job.wanted && {
      stepsWanted: job.wanted,
      ...(job.worth && { stepWorth: job.worth }),
      stepResult: (step: number, result: StepResult) => storeStep(context, job, step, result),
    }),
    releaseOwned: doNothing,
    started: () => context.started(job.id),
    // A rejection after the call settled: the driver has its outcome already.
    lateFailure: doNothing,
    ...(timed && { timed }),
    blocked: (ms) => (measure.blockedMs = ms),
    ...(job.exact && { resultChanged: (problem: string) => (measure.changed = problem) }),
  }
  return Promise.resolve().then(() => context.pool().run(call))
}

function doNothing(): void {}

/**
 * Stores the result of a step the driver asked for (for its cache) under its task's key,
 * and tells the driver, as the step ends. One that does not fit is left out, saying why:
 * it is not cached, and the call, whose result does not need it, goes on.
 */
function storeStep(context: JobContext, call: JobCall, step: number, result: StepResult): void {
  const id = call.id
  const { durationMs } = result
  // What the driver's cache weighs the step's dependents by, stored or not.
  const took = durationMs === undefined ? {} : { durationMs }
  const notStored = (problem: string): void => context.stepEnded({ id, step, problem, ...took })
  if ('notWorthKeeping' in result) {
    context.stepEnded({ id, step, notWorthKeeping: true, ...took })
    return
  }
  if ('problem' in result) {
    notStored(result.problem)
    return
  }
  let bytes: Buffer
  try {
    bytes = serialize(result.value)
  } catch (error) {
    notStored(`the result cannot be serialized: ${refusalText(error)}.`)
    return
  }
  if (bytes.length >= context.limit && !context.largeStore) {
    notStored(
      `a result of ${bytes.length} bytes is more than the ${context.limit} bytes a result may take in Redis, and the cluster has no shared directory for larger ones (--store on the driver and on every worker).`,
    )
    return
  }
  const key = step === 0 ? call.key : call.steps![step - 1]!.key
  context.stepEnded(
    { id, step, ...took, ...(bytes.length >= context.limit && { large: true as const }) },
    { key, bytes },
  )
}

/**
 * A call's value as its outcome: sent back (an output) or stored, if it fits. An output
 * too large for Redis (at least the limit, by a lower bound of its size) goes to the
 * shared directory, if there is one, for the driver to read there.
 */
function toOutcome(
  context: JobContext,
  call: JobCall,
  value: unknown,
  entries: StoreEntry[],
  changed: string | undefined,
): CallOutcome {
  const copied = changed === undefined ? {} : { changed }
  if (call.output && !(context.largeStore && leastBytes(value, context.limit) >= context.limit))
    return { id: call.id, ok: true, value, ...copied }
  let bytes: Buffer
  try {
    bytes = serialize(value)
  } catch (error) {
    return notSerializable(call.id, value, error)
  }
  if (bytes.length >= context.limit && !context.largeStore) {
    return {
      id: call.id,
      ok: false,
      fault: { kind: 'too-large', bytes: bytes.length, limit: context.limit },
    }
  }
  entries.push({ key: call.steps?.at(-1)?.key ?? call.key, bytes })
  const stored = call.timed === true ? { bytes: bytes.length, ...copied } : copied
  return bytes.length >= context.limit
    ? { id: call.id, ok: true, large: true, ...stored }
    : { id: call.id, ok: true, ...stored }
}

/**
 * `outcomes`, an output among them that V8's serializer refuses failing its call instead:
 * the thread's copy took it (shared memory, a Node object such as a `KeyObject`), but a
 * reply cannot carry it. For a reply that would not pack: its outputs are checked only then.
 */
export function sendable(outcomes: readonly CallOutcome[]): CallOutcome[] {
  return outcomes.map((outcome) => {
    if (!('value' in outcome)) return outcome
    try {
      serialize(outcome.value)
      return outcome
    } catch (error) {
      return notSerializable(outcome.id, outcome.value, error)
    }
  })
}

function notSerializable(id: number, value: unknown, error: unknown): CallOutcome {
  return {
    id,
    ok: false,
    fault: {
      kind: 'not-serializable',
      direction: 'result',
      path: 'result',
      valueType: describeValue(value),
      reason: `which V8's serializer refuses (${refusalText(error)})`,
    },
  }
}

/** What V8's serializer said, to be set inside a sentence (its own full stop dropped). */
function refusalText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\.+$/, '')
}

/**
 * `outcome`, with where and when its call ran if the pool measured it (`JobCall.timed`),
 * and how long it held its thread, in whole ms, if 1 or more (a tiny call's reply stays
 * as small as it was).
 */
function withMeasures(
  outcome: CallOutcome,
  timing: CallTiming | undefined,
  blockedMs: number,
): CallOutcome {
  if ('handedBack' in outcome) return outcome
  const ms = Math.round(blockedMs)
  if (timing === undefined && ms < 1) return outcome
  return {
    ...outcome,
    ...(timing && { times: [timing.worker.pid, timing.worker.threadId, ...timing.steps] }),
    ...(ms >= 1 && { ms }),
  }
}
