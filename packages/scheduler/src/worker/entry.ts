// The worker side of the pool executors: tinypool loads this file in each worker thread
// or child process and calls its default export with one batch of calls at a time. It is
// a build entry, never exported from the package.
import { isMainThread } from 'node:worker_threads'
import type { AnyFunction } from '@taskgraph/core'
import { kTransferable, kValue, markMovable } from 'tinypool'
import { findBuffers, ownBuffers } from '../pool/buffers.js'
import { findCloneProblem } from '../pool/clone-check.js'
import { decodeFunctions } from '../pool/function-args.js'
import { loadFunction, refKey, type FunctionRef } from '../pool/function-ref.js'
import { toWireError } from '../pool/remote-error.js'
import { importModule } from './import-module.js'
import type { BatchRequest, BatchResponse, WireCall, WireOutcome } from '../pool/wire.js'

if (isMainThread) {
  // A child process whose parent is gone (killed, crashed) must not linger.
  process.on('disconnect', () => process.exit(0))
}

let preloaded: Promise<unknown> | undefined
const functions = new Map<string, Promise<AnyFunction | undefined>>()

/** Runs a batch of calls; async calls overlap, sync ones run one after another. */
export default async function runBatch(request: BatchRequest): Promise<unknown> {
  preloaded ??= Promise.all(request.preload.map((url) => import(url)))
  try {
    await preloaded
  } catch (error) {
    const detail = `the worker could not import its preload modules: ${error instanceof Error ? error.message : String(error)}`
    const failure = { kind: 'unreachable', detail } as const
    return {
      outcomes: request.calls.map(() => ({ ok: false, step: 0, failure, blockingMs: 0 })),
    } satisfies BatchResponse
  }
  if (request.modules !== undefined) {
    // Warm-up: load what the calls will need; a module that fails shows up when a call needs it.
    await Promise.all(request.modules.map((url) => importModule(url).catch(() => undefined)))
  }
  const outcomes = await Promise.all(request.calls.map(runCall))
  const response: BatchResponse = { outcomes }
  if (isMainThread) return response
  // Results move to the main thread without a copy: this worker keeps no reference.
  const buffers = new Set<ArrayBuffer>()
  for (const outcome of outcomes) if (outcome.ok) findBuffers(outcome.value, buffers)
  if (buffers.size === 0) return response
  const movable = { [kTransferable]: [...buffers], [kValue]: response }
  markMovable(movable)
  return movable
}

async function runCall(call: WireCall): Promise<WireOutcome> {
  // Find every function first, so a chain that cannot run here runs none of its steps.
  const steps = call.steps ?? []
  const fns: AnyFunction[] = []
  for (const [step, ref] of [call.fn, ...steps.map((s) => s.fn)].entries()) {
    const url = ref.kind === 'origin' ? ref.origin.url : ref.url
    let fn: AnyFunction | undefined
    try {
      fn = await functionFor(ref)
    } catch (error) {
      const detail = `the worker could not import ${url}: ${error instanceof Error ? error.message : String(error)}`
      return { ok: false, step, failure: { kind: 'unreachable', detail }, blockingMs: 0 }
    }
    if (fn === undefined) {
      const detail = `the worker's import of ${url} made no function ${refName(ref)}`
      return { ok: false, step, failure: { kind: 'unreachable', detail }, blockingMs: 0 }
    }
    fns.push(fn)
  }
  // Functions passed as arguments cross as refs: make them again first, as above.
  let args: unknown[]
  const stepArgs: unknown[][] = []
  try {
    args = (await decodeFunctions(call.args, functionFor)) as unknown[]
    for (const next of steps)
      stepArgs.push((await decodeFunctions(next.args, functionFor)) as unknown[])
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error)
    return { ok: false, step: 0, failure: { kind: 'unreachable', detail }, blockingMs: 0 }
  }
  let step = 0
  let blockingMs = 0
  // In a child process, typed arrays arrive as views into the message: give them their own.
  if (isMainThread) ownBuffers(args)
  try {
    let value = await invoke(fns[0]!, args, (ms) => (blockingMs += ms))
    for (const next of steps) {
      step++
      const nextArgs = stepArgs[step - 1]!
      if (isMainThread) ownBuffers(nextArgs)
      for (const hole of next.holes) nextArgs[hole] = value
      value = await invoke(fns[step]!, nextArgs, (ms) => (blockingMs += ms))
    }
    // A child process cannot share memory with its parent.
    const problem = findCloneProblem(value, 'the result', !isMainThread)
    if (problem !== undefined) {
      return { ok: false, step, failure: { kind: 'not-serializable', ...problem }, blockingMs }
    }
    return { ok: true, value, blockingMs }
  } catch (error) {
    return { ok: false, step, failure: { kind: 'threw', error: toWireError(error) }, blockingMs }
  }
}

/** Calls `fn`, reporting how long it held the thread before returning (or awaiting). */
function invoke(fn: AnyFunction, args: unknown[], blocked: (ms: number) => void): unknown {
  const started = performance.now()
  try {
    return fn(...args) as unknown
  } finally {
    blocked(performance.now() - started)
  }
}

function functionFor(ref: FunctionRef): Promise<AnyFunction | undefined> {
  const key = refKey(ref)
  let fn = functions.get(key)
  if (fn === undefined) {
    fn = loadFunction(ref)
    functions.set(key, fn)
  }
  return fn
}

function refName(ref: FunctionRef): string {
  return ref.kind === 'origin' ? ref.origin.name || '(anonymous)' : ref.name
}
