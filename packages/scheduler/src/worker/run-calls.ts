import { AsyncLocalStorage } from 'node:async_hooks'
import { isMainThread, threadId } from 'node:worker_threads'
import type { AnyFunction } from '@taskgraph/core'
import { isThenable } from '@taskgraph/core/internal'
import type { WireCall, WireOutcome, WireStepResult } from '../wire/call.js'
import { findCloneProblem, type CloneProblem } from '../wire/clone-check.js'
import { epochNow, epochOf } from '../wire/epoch-time.js'
import { flatPrimitives } from '../wire/data-walk.js'
import { decodeFunctions } from '../wire/function-args.js'
import type { FunctionRef } from '../wire/function-ref.js'
import { marksOf, type Marks } from '../wire/marks.js'
import {
  encodeGraph,
  holdsGraph,
  isGraphProblem,
  type GraphProblem,
  type WireGraph,
} from '../wire/returned-graph.js'
import type { BatchMessage } from '../wire/messages.js'
import { toWireError } from '../wire/remote-error.js'
import { worthBringing, type StepWorth } from '../wire/step-worth.js'

/** A function of the batch's table, or why the worker cannot run it. */
export type Found =
  | { readonly fn: AnyFunction }
  | { readonly unreachable: string }
  | { readonly loadFailed: string; readonly limitMs?: number }

/** A call while it runs here, as async context carries it to what the task starts. */
interface Running {
  readonly id: number
  /** Set once the call's outcome is decided: later rejections are reported as late. */
  done: boolean
  /** Ends the call at once with a failure (a rejection nothing handled, a stall). */
  readonly cut: (outcome: WireOutcome) => void
}

/** A child process cannot share memory with its parent; a thread can. */
const SAME_PROCESS = !isMainThread

const calls = new AsyncLocalStorage<Running>()
/** Calls waiting on a promise: only they can be stalled. */
const waiting = new Set<Running>()
/** Told when the first call begins waiting, and when the last stops (`onWaitingChange`). */
let waitingChanged: (() => void) | undefined

/**
 * Has `listener` told when `callsWaiting()` changes. A batch whose calls take functions
 * as arguments begins them only once those are found (an import, in a later turn), after
 * the batch began: what holds the worker is decided as calls begin, not as batches do.
 */
export function onWaitingChange(listener: () => void): void {
  waitingChanged = listener
}

function beginWaiting(running: Running): void {
  waiting.add(running)
  if (waiting.size === 1) waitingChanged?.()
}

function endWaiting(running: Running): void {
  if (waiting.delete(running) && waiting.size === 0) waitingChanged?.()
}

/** A batch some of whose calls wait on promises. */
export interface BatchRunning {
  /** One per call, in order: set as each call ends (those that did not wait, at once). */
  readonly outcomes: readonly (WireOutcome | undefined)[]
  /** Resolves with every outcome once the last call has ended. */
  readonly ended: Promise<WireOutcome[]>
}

/**
 * Runs a batch: sync calls one after another, async ones side by side; returns one
 * outcome per call, or, if some call waits on a promise, the batch as it runs.
 * `onEnded` hears of each call that ends later than that (by its place in the batch),
 * once its outcome is set. `table` holds the batch's functions, looked up beforehand.
 */
export function runCalls(
  batch: BatchMessage,
  table: readonly Found[],
  load: (ref: BatchMessage['functions'][number]) => Promise<AnyFunction | undefined>,
  onStep: StepSender,
  onEnded: (index: number) => void,
): WireOutcome[] | BatchRunning {
  const outcomes = new Array<WireOutcome>(batch.calls.length)
  const marks = marksOf(batch.marks)
  let later: Promise<void>[] | undefined
  batch.calls.forEach((call, i) => {
    const outcome = runCall(call, table, load, { timed: batch.timed === true, marks, onStep })
    if (isThenable(outcome)) {
      later ??= []
      later.push(
        Promise.resolve(outcome).then((settled) => {
          outcomes[i] = settled
          onEnded(i)
        }),
      )
    } else outcomes[i] = outcome
  })
  if (later === undefined) return outcomes
  return { outcomes, ended: Promise.all(later).then(() => outcomes) }
}

/** Sends the result of a step of call `call` that was asked for, as the step ends. */
export type StepSender = (call: number, result: WireStepResult) => void

/** What running a call needs besides the call and its functions. */
interface CallSettings {
  readonly timed: boolean
  readonly marks: Marks
  readonly onStep: StepSender
}

/** Whether some call is waiting on a promise (the channel then must not keep us alive). */
export function callsWaiting(): boolean {
  return waiting.size > 0
}

/**
 * The event loop has emptied: every call still waiting on a promise can never finish.
 * Each ends as stalled.
 */
export function endStalledCalls(): void {
  for (const running of [...waiting]) {
    running.cut({ ok: false, step: 0, failure: { kind: 'stalled' }, blockingMs: 0 })
  }
}

/** Whether the code running now was started by a call. */
export function inCall(): boolean {
  return calls.getStore() !== undefined
}

/** The id of the call whose code is running, if that call has already ended. */
export function endedCall(): number | undefined {
  const running = calls.getStore()
  return running?.done === true ? running.id : undefined
}

/**
 * A rejection nothing handled, from code a call started: the call fails with it if it is
 * still running. Returns the call's id if it already ended (the rejection is late), and
 * `undefined` if no call started the code.
 */
export function rejectionOf(reason: unknown): { readonly late: number } | 'handled' | undefined {
  const running = calls.getStore()
  if (running === undefined) return undefined
  if (running.done) return { late: running.id }
  const error = toWireError(reason)
  running.cut({
    ok: false,
    step: 0,
    failure: { kind: 'unhandled-rejection', error },
    blockingMs: 0,
  })
  return 'handled'
}

function runCall(
  call: WireCall,
  table: readonly Found[],
  load: (ref: BatchMessage['functions'][number]) => Promise<AnyFunction | undefined>,
  settings: CallSettings,
): WireOutcome | Promise<WireOutcome> {
  // Find every function first, so a chain that cannot run here runs none of its steps.
  const steps = call.steps ?? []
  const fns: AnyFunction[] = []
  for (const [step, index] of [call.fn, ...steps.map((s) => s.fn)].entries()) {
    const found = table[index]!
    if ('fn' in found) {
      fns.push(found.fn)
      continue
    }
    const failure =
      'unreachable' in found
        ? ({ kind: 'unreachable', detail: found.unreachable } as const)
        : ({ kind: 'load-failed', detail: found.loadFailed, limitMs: found.limitMs } as const)
    return { ok: false, step, failure, blockingMs: 0 }
  }
  if (flatPrimitives(call.args) && steps.every((next) => flatPrimitives(next.args))) {
    return execute(call, fns, [call.args, ...steps.map((next) => next.args)], settings)
  }
  // Functions passed as arguments cross as refs: make them again first.
  return decodeArgs(call, load, settings.marks.fn).then(
    (decoded) => execute(call, fns, decoded, settings),
    (error: unknown) => ({
      ok: false,
      step: 0,
      failure: {
        kind: 'unreachable',
        detail: error instanceof Error ? error.message : String(error),
      },
      blockingMs: 0,
    }),
  )
}

async function decodeArgs(
  call: WireCall,
  load: (ref: BatchMessage['functions'][number]) => Promise<AnyFunction | undefined>,
  mark: string,
): Promise<unknown[][]> {
  const decoded = [(await decodeFunctions(call.args, load, mark)) as unknown[]]
  for (const next of call.steps ?? [])
    decoded.push((await decodeFunctions(next.args, load, mark)) as unknown[])
  return decoded
}

/**
 * Calls each step with the previous result at its holes, inside the call's async
 * context. Stays synchronous until a step returns a promise; then the rest runs after
 * it settles.
 */
function execute(
  call: WireCall,
  fns: readonly AnyFunction[],
  argLists: unknown[][],
  { timed, marks, onStep }: CallSettings,
): WireOutcome | Promise<WireOutcome> {
  const steps = call.steps ?? []
  let blockingMs = 0
  // Where, then each step's start and end (see `CallTimes`): only when asked for.
  const times = timed ? [process.pid, threadId] : undefined
  // When the first step since the last one sent back began: a step asked for is sent
  // back with how long it and the steps before it that were not took (what making it
  // again costs, as the cache weighs it: theirs are not stored).
  let unsentSince: number | undefined
  const wanted = call.wanted === undefined ? undefined : new Set(call.wanted)
  // How each step asked for is judged worth sending, and when the chain began: what it
  // has run since bounds what making a step's result again costs of the chain's steps.
  const worth = call.worth === undefined ? undefined : worthByStep(call.wanted!, call.worth)
  // Read only for a chain whose steps are judged: every call runs through here.
  const chainStart = worth === undefined ? 0 : performance.now()
  const finish = (step: number, value: unknown): WireOutcome => {
    const madeGraph = !flatPrimitives([value]) && holdsGraph(value)
    if (madeGraph) {
      const graph = encodedGraph(value, marks)
      if (isGraphProblem(graph)) {
        const failure = {
          kind: 'not-serializable',
          path: 'the result',
          type: 'a graph',
          reason: graph.problem,
        } as const
        return { ok: false, step, failure, blockingMs, ...(times && { times }) }
      }
      // The last step's graph is its result; an earlier step's ends the chain there.
      if (step < steps.length) {
        return {
          ok: false,
          step,
          failure: { kind: 'returned-graph', graph },
          blockingMs,
          ...(times && { times }),
        }
      }
      value = graph
    }
    // A graph's result is not this call's: its tasks' results are checked as they end.
    const checked = checkResult(value, call.exact === true && !madeGraph)
    if (checked === undefined) return { ok: true, value, blockingMs, ...(times && { times }) }
    if ('changed' in checked) {
      const { changed } = checked
      return { ok: true, value, changed, blockingMs, ...(times && { times }) }
    }
    const problem = checked.fails
    return {
      ok: false,
      step,
      failure: { kind: 'not-serializable', ...problem },
      blockingMs,
      ...(times && { times }),
    }
  }
  let settle: ((outcome: WireOutcome) => void) | undefined
  let cutShort: WireOutcome | undefined
  const running: Running = {
    id: call.id,
    done: false,
    cut: (outcome) => {
      if (running.done) return
      running.done = true
      endWaiting(running)
      if (settle === undefined) cutShort = outcome
      else settle(outcome)
    },
  }
  const failed = (step: number, error: unknown, input?: unknown): WireOutcome => ({
    ok: false,
    step,
    failure: { kind: 'threw', error: toWireError(error) },
    blockingMs,
    ...(step > 0 ? { input: { value: input } } : {}),
    ...(times && { times }),
  })
  const from = (step: number, value: unknown): WireOutcome | Promise<WireOutcome> => {
    for (; step <= steps.length; step++) {
      // A step that returned a graph ends the chain: the next step needs its result.
      if (step > 0 && typeof value === 'object' && value !== null && holdsGraph(value)) {
        return finish(step - 1, value)
      }
      if (step > 0 && wanted?.has(step - 1) === true) {
        const now = performance.now()
        const done = step - 1
        onStep(
          call.id,
          worthBringing(worth?.get(done), now - chainStart, value)
            ? stepResult(done, value, now - unsentSince!)
            : { step: done, notWorthKeeping: true, durationMs: now - unsentSince! },
        )
        unsentSince = undefined
      }
      // A fresh list per step: the chain's lists live until it ends, and one filled in
      // place would hold each intermediate result until then.
      const args = argLists[step]!.slice()
      if (step > 0) for (const hole of steps[step - 1]!.holes) args[hole] = value
      const input = value
      const started = performance.now()
      unsentSince ??= started
      times?.push(epochOf(started))
      let pending: boolean
      try {
        value = calls.run(running, fns[step]!, ...args)
        // Reading `then` may run the task's code too (a getter, a Proxy's trap): what it
        // throws is the step's failure, as `await` would make it.
        pending = isThenable(value)
      } catch (error) {
        times?.push(epochNow())
        return failed(step, error, input)
      } finally {
        blockingMs += performance.now() - started
      }
      if (pending) {
        const current = step
        return Promise.resolve(value).then(
          (settled) => {
            times?.push(epochNow())
            return from(current + 1, settled)
          },
          (error: unknown) => {
            times?.push(epochNow())
            return failed(current, error, input)
          },
        )
      }
      times?.push(epochNow())
    }
    return finish(steps.length, value)
  }
  const first = from(0, undefined)
  if (!isThenable(first)) {
    running.done = true
    return first
  }
  if (running.done) return cutShort!
  beginWaiting(running)
  return new Promise<WireOutcome>((resolve) => {
    settle = resolve
    if (cutShort !== undefined) resolve(cutShort)
    Promise.resolve(first).then((outcome) => {
      if (running.done) return
      running.done = true
      endWaiting(running)
      resolve(outcome)
    }, resolve)
  })
}

/** `value`'s graph written as data, or why it cannot be (collecting it can throw too). */
function encodedGraph(value: unknown, marks: Marks): WireGraph | GraphProblem {
  try {
    return encodeGraph<FunctionRef>(value, marks)
  } catch (error) {
    return { problem: error instanceof Error ? error.message : String(error) }
  }
}

/**
 * What goes back of step `step`'s result `value`, which took `durationMs` and which a
 * cache stores: itself, or why it cannot cross, or why the copy would not be what was made.
 */
function stepResult(step: number, value: unknown, durationMs: number): WireStepResult {
  const checked = checkResult(value, true)
  if (checked === undefined) return { step, value, durationMs }
  const problem = 'changed' in checked ? checked.changed : problemText(checked.fails)
  return { step, problem, durationMs }
}

/** `worth` (judgements of the steps `wanted`, in their order) by step. */
function worthByStep(
  wanted: readonly number[],
  worth: readonly (StepWorth | null)[],
): Map<number, StepWorth | null> {
  return new Map(wanted.map((step, k) => [step, worth[k] ?? null]))
}

/**
 * Why a result cannot be sent back as it is (`fails`); or, checked `exact`ly (a cache
 * stores it), what the copy the other side reads would change of it (`changed`), as the
 * cache's own check on `inline` says it; `undefined` if neither.
 */
function checkResult(
  value: unknown,
  exact: boolean,
): { readonly fails: CloneProblem } | { readonly changed: string } | undefined {
  if (flatPrimitives([value])) return undefined
  // Structured clone would quietly turn a class instance into a plain object.
  if (!exact) {
    const fails = findCloneProblem(value, 'the result', { sameProcess: SAME_PROCESS })
    return fails && { fails }
  }
  // One walk for a result that crosses as it was made, the most; another to tell a
  // change from what cannot cross at all. Another process may read the cache's entry.
  const change = findCloneProblem(value, 'the result', { sameProcess: false, exact: true })
  if (change === undefined) return undefined
  const fails = findCloneProblem(value, 'the result', { sameProcess: SAME_PROCESS })
  return fails ? { fails } : { changed: problemText(change) }
}

/** `problem` as one sentence. */
function problemText(problem: CloneProblem): string {
  const why = problem.reason ?? 'which does not survive the copy from its worker'
  return `${problem.path} is ${problem.type}, ${why}.`
}
