import { type AnyFunction } from '@taskgraph/core'
import { errorText, recordedNames } from '@taskgraph/core/internal'
import type { WireOutcome, WireStepResult } from '../wire/call.js'
import { findCloneProblem } from '../wire/clone-check.js'
import { moduleOf, refKey, refName, type FunctionRef } from '../wire/function-ref.js'
import type {
  BatchMessage,
  BatchOutcomes,
  DoneMessage,
  FromWorker,
  InitMessage,
  OutcomesMessage,
  ToWorker,
} from '../wire/messages.js'
import { toWireError } from '../wire/remote-error.js'
import { importModule, prepareImports } from './import-module.js'
import { loadFunction, sourceMismatch } from './load-function.js'
import { markStarting, setLoadingListener } from './loading.js'
import { EarlyOutcomes } from './early-outcomes.js'
import { isEcho } from './rejection-echoes.js'
import {
  callsWaiting,
  endedCall,
  endStalledCalls,
  inCall,
  onWaitingChange,
  rejectionOf,
  runCalls,
  type Found,
} from './run-calls.js'
import { inTask } from '../executors/task-context.js'

/** How a worker talks to its pool: a worker thread's port, or a child process's socket. */
export interface Channel {
  /** Sends `message`, moving `transfer` where the channel can; throws if it cannot be copied. */
  send(message: FromWorker, transfer: readonly ArrayBuffer[]): void
  /** Buffers in `message`'s results that may move rather than be copied (threads only). */
  movable(message: BatchOutcomes): ArrayBuffer[]
  /** Whether the pool is another process (it shares no memory with this one). */
  readonly otherProcess: boolean
  /** Why `value` could not be sent, tried by copying it as sending would; `undefined` if it can. */
  copyFailure(value: unknown): string | undefined
  onMessage(handler: (message: ToWorker) => void): void
  /** Whether the channel keeps this worker alive: not while calls wait on promises. */
  keepAlive(yes: boolean): void
}

const functions = new Map<string, Promise<Found>>()
let loadTimeoutMs = 60_000

/** Runs what the pool sends over `channel`, for the life of this worker. */
export function serve(channel: Channel): void {
  // A task here that computes or submits naming no executor runs that work here, on the
  // default ('async'): the program's TASKGRAPH_EXECUTOR chooses its own runs' executor,
  // not a pool more inside each of its workers (N pools of N workers on N cores). This
  // worker's environment is its own copy (a thread's as a process's).
  delete process.env.TASKGRAPH_EXECUTOR
  // Batches begin one after another, each once the one before has run up to its first
  // await: then a batch the worker had not begun when it was lost is known to be blameless.
  let gate = Promise.resolve()
  channel.onMessage((message) => {
    if (message.type === 'init') void init(channel, message)
    else if (message.type === 'close') void flushOutput().then(() => process.exit(0))
    else gate = gate.then(() => runBatch(channel, message))
  })
  forwardWarnings(channel)
  // The channel holds the worker unless calls wait on promises: then the event loop may
  // empty, and those that can never settle are found (see beforeExit below).
  onWaitingChange(() => channel.keepAlive(!callsWaiting()))
  process.on('unhandledRejection', (reason) => {
    const found = rejectionOf(reason)
    if (found === 'handled') return
    // Not started by any call (a module's top-level code): as Node would, end the worker,
    // saying why, unless it echoes a failure the preload handled.
    if (found === undefined) {
      if (isEcho(reason)) return
      failedOutside(channel, reason, 'rejection')
      throw reason
    }
    channel.send({ type: 'late', call: found.late, error: toWireError(reason) }, [])
  })
  // Heard before Node ends the worker for an uncaught exception, without stopping it: a
  // call's own callback that threw charges its call (the worker is lost running it); code
  // no call started is the module's, and the pool is told.
  process.on('uncaughtExceptionMonitor', (error) => {
    // A run inside a task here (on 'async', say) catches its own tasks' errors.
    if (inTask() && process.listenerCount('uncaughtException') > 0) return
    // A call that has ended (a timer it left behind): the pool is told which, and the
    // calls the worker runs now, which its end takes with it, are not charged.
    const ended = endedCall()
    if (ended !== undefined) {
      channel.send({ type: 'late', call: ended, error: toWireError(error), ends: true }, [])
    } else if (!inCall()) failedOutside(channel, error, 'exception')
  })
  // The event loop empties only when the channel does not hold it (see keepAlive): the
  // calls still waiting on promises can then never finish.
  process.on('beforeExit', () => {
    endStalledCalls()
    channel.keepAlive(true)
  })
}

/**
 * Sends the worker's process warnings to the pool instead of printing them here: printed
 * by each worker, they came out in Node's own form ("(node:1234) [CODE] Warning: ...")
 * whatever the program's listeners print, once per thread for a warning every thread
 * gives, and mixed into the tasks' output.
 */
function forwardWarnings(channel: Channel): void {
  process.removeAllListeners('warning')
  process.on('warning', (warning: Error & { code?: unknown; detail?: unknown }) => {
    const { code, detail } = warning
    try {
      channel.send(
        {
          type: 'warning',
          name: warning.name,
          message: warning.message,
          ...(typeof code === 'string' && { code }),
          ...(typeof detail === 'string' && { detail }),
        },
        [],
      )
    } catch {
      // A worker whose channel is gone has no one to tell.
    }
  })
}

let toldOutside = false

/**
 * Code no call started failed, and ends this worker: the pool is told, as every worker
 * importing the same module would fail so (see `WorkerModuleFault`).
 */
function failedOutside(channel: Channel, error: unknown, how: 'exception' | 'rejection'): void {
  if (toldOutside) return
  toldOutside = true
  try {
    channel.send({ type: 'outside', how, error: toWireError(error) }, [])
  } catch {
    // The pool then reports the worker as lost, with how it ended.
  }
}

async function init(channel: Channel, message: InitMessage): Promise<void> {
  loadTimeoutMs = message.loadTimeoutMs
  markStarting(true)
  prepareImports(message)
  // A preload module that imports others names them as it goes (`announceLoading`).
  setLoadingListener((url) => channel.send({ type: 'loading', url }, []))
  for (const url of message.preload) {
    channel.send({ type: 'loading', url }, [])
    try {
      await import(url)
    } catch (error) {
      const detail = `importing preload module ${url} failed: ${errorText(error)}`
      channel.send({ type: 'ready', failure: detail }, [])
      return
    }
  }
  // Warm-up: load what calls will need; a module that fails shows up when a call needs it.
  const found: Record<string, string[]> = {}
  for (const url of message.modules) {
    channel.send({ type: 'loading', url }, [])
    await importModule(url).then(
      (imported) => (found[url] = recordedNames(imported.url)),
      () => undefined,
    )
  }
  markStarting(false)
  channel.send({ type: 'ready', found }, [])
}

/**
 * Begins a batch; resolves once its calls have run up to their first await. A batch
 * that runs on past `EARLY_OUTCOMES_MS` tells its calls' outcomes as they end.
 */
async function runBatch(channel: Channel, batch: BatchMessage): Promise<void> {
  const { id } = batch
  channel.send({ type: 'started', id }, [])
  const table = await Promise.all(batch.functions.map(functionFound))
  const ran = runCalls(
    batch,
    table,
    functionFor,
    (call, result) => sendStep(channel, call, result),
    // `watching` exists by then: a call that waited ends in a later turn of the event loop.
    (index) => watching.ended(index),
  )
  if (Array.isArray(ran)) {
    await sendDone(channel, { type: 'done', id, outcomes: ran })
    return
  }
  // Only for a batch some of whose calls wait, once they have begun.
  const watching = new EarlyOutcomes(ran, {
    ready: outputOut,
    tell: (calls, outcomes) => sendOutcomes(channel, { type: 'outcomes', id, calls, outcomes }),
  })
  void ran.ended.then(async (outcomes) => {
    await watching.settled()
    const told = watching.toldCalls
    if (told.size === 0) return sendDone(channel, { type: 'done', id, outcomes })
    // The calls whose outcomes went early are left out.
    const calls: number[] = []
    for (let index = 0; index < outcomes.length; index++) if (!told.has(index)) calls.push(index)
    const rest = calls.map((index) => outcomes[index]!)
    return sendDone(channel, { type: 'done', id, calls, outcomes: rest })
  })
}

/** Sends the result of a step asked for; one that cannot be copied goes as why not. */
function sendStep(channel: Channel, call: number, result: WireStepResult): void {
  try {
    channel.send({ type: 'step', call, result }, [])
  } catch {
    const why = 'value' in result ? channel.copyFailure(result.value) : undefined
    const problem = `the result could not be sent from its worker: ${why ?? 'it cannot be copied'}.`
    const { step, durationMs } = result
    channel.send({ type: 'step', call, result: { step, problem, durationMs } }, [])
  }
}

/**
 * Resolves once what tasks wrote to stdout and stderr has left this worker. A worker
 * thread's output reaches the program through a port of its own, later than a result
 * does: the result waits for it, so output comes before the result it belongs to, and
 * none is lost when the pool ends the thread. (A worker process writes straight to its
 * stdout and stderr, and has nothing waiting.)
 */
function flushOutput(): Promise<unknown> {
  const waiting = [process.stdout, process.stderr].filter((stream) => stream.writableLength > 0)
  return Promise.all(waiting.map((stream) => new Promise((resolve) => stream.write('', resolve))))
}

/** Sends a batch's last outcomes once what came before them is out (`outputOut`). */
async function sendDone(channel: Channel, done: DoneMessage): Promise<void> {
  await outputOut()
  sendOutcomes(channel, done)
}

/**
 * Resolves once what must reach the pool before an outcome has: the tasks' output
 * (`flushOutput`), and the warnings they emitted. A warning is heard a tick later
 * (`process.emitWarning` defers it), and goes to the pool then (`forwardWarnings`):
 * before the outcome it came with, or a program that ends once it has its result would
 * never print it.
 */
async function outputOut(): Promise<void> {
  await flushOutput()
  await new Promise((resolve) => process.nextTick(resolve))
}

/**
 * Sends outcomes of a batch. A result that cannot be copied (a Proxy, a getter that
 * throws, data nested too deeply) fails the whole message: each outcome is then tried
 * alone, and those that cannot go become failures naming what could not be copied.
 */
function sendOutcomes(channel: Channel, message: DoneMessage | OutcomesMessage): void {
  try {
    channel.send(message, channel.movable(message))
    return
  } catch {
    // Found and reported below, outcome by outcome.
  }
  const outcomes = message.outcomes.map((outcome) => sendable(channel, outcome))
  const checked = { ...message, outcomes }
  channel.send(checked, channel.movable(checked))
}

function sendable(channel: Channel, outcome: WireOutcome): WireOutcome {
  if (copies(channel, outcome)) return outcome
  if (!outcome.ok) {
    // The result handed to the failed step may be what cannot be copied: drop it (the
    // step then cannot be retried alone), or report the error without its properties.
    const withoutInput: WireOutcome = {
      ok: false,
      step: outcome.step,
      failure: outcome.failure,
      blockingMs: outcome.blockingMs,
    }
    if (copies(channel, withoutInput)) return withoutInput
    return {
      ok: false,
      step: outcome.step,
      blockingMs: outcome.blockingMs,
      failure: { kind: 'threw', error: { kind: 'value', value: 'an error that cannot be copied' } },
    }
  }
  const probe = channel.copyFailure(outcome.value)
  const problem = findCloneProblem(outcome.value, 'the result', {
    sameProcess: !channel.otherProcess,
    afterFailure: true,
  })
  const failure = problem ?? {
    path: 'the result',
    type: 'a value that cannot be copied',
    reason: `(${probe})`,
  }
  return {
    ok: false,
    step: 0,
    blockingMs: outcome.blockingMs,
    failure: { kind: 'not-serializable', ...failure },
  }
}

/** Whether `outcome` alone can be sent. */
function copies(channel: Channel, outcome: WireOutcome): boolean {
  return channel.copyFailure(outcome) === undefined
}

/** In a worker: the function a ref names, loading its module within the load timeout. */
function functionFound(ref: FunctionRef): Promise<Found> {
  const key = refKey(ref)
  let found = functions.get(key)
  if (found === undefined) {
    found = withTimeout(ref)
    functions.set(key, found)
  }
  return found
}

async function functionFor(ref: FunctionRef): Promise<AnyFunction | undefined> {
  const found = await functionFound(ref)
  if ('fn' in found) return found.fn
  throw new Error('unreachable' in found ? found.unreachable : found.loadFailed)
}

async function withTimeout(ref: FunctionRef): Promise<Found> {
  const mismatch = sourceMismatch(ref)
  if (mismatch !== undefined) return { unreachable: mismatch }
  const url = moduleOf(ref)
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<Found>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          loadFailed: `importing ${url} had not finished after ${loadTimeoutMs} ms`,
          limitMs: loadTimeoutMs,
        }),
      loadTimeoutMs,
    )
  })
  const loaded = loadFunction(ref).then(
    (fn): Found =>
      fn !== undefined
        ? { fn }
        : { unreachable: `the worker's import of ${url} made no function ${refName(ref)}` },
    (error: unknown): Found => ({
      unreachable: `the worker could not import ${url}: ${errorText(error)}`,
    }),
  )
  try {
    return await Promise.race([loaded, late])
  } finally {
    clearTimeout(timer)
  }
}
