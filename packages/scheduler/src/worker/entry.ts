// The worker side of the pool executors: tinypool loads this file in each worker thread
// or child process and calls its default export with one batch of calls at a time. It is
// a build entry, never exported from the package.
import { isMainThread } from 'node:worker_threads'
import type { AnyFunction } from '@taskgraph/core'
import { kTransferable, kValue, markMovable } from 'tinypool'
import { findBuffers, ownBuffers } from '../pool/buffers.js'
import { findCloneProblem } from '../pool/clone-check.js'
import { decodeFunctions } from '../pool/function-args.js'
import { allPrimitive } from '../pool/primitives.js'
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
  const table = await Promise.all(request.functions.map(lookUp))
  // Sync calls run here in turn, with no promise each; async ones are awaited together.
  const outcomes: WireOutcome[] = new Array<WireOutcome>(request.calls.length)
  let later: Promise<void>[] | undefined
  request.calls.forEach((call, i) => {
    const outcome = runCall(call, table)
    if (outcome instanceof Promise) {
      later ??= []
      later.push(outcome.then((settled) => void (outcomes[i] = settled)))
    } else {
      outcomes[i] = outcome
    }
  })
  if (later !== undefined) await Promise.all(later)
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

/** A function of the batch's table, or why the worker cannot have it. */
type Found = { readonly fn: AnyFunction } | { readonly unreachable: string }

async function lookUp(ref: FunctionRef): Promise<Found> {
  const url = ref.kind === 'origin' ? ref.origin.url : ref.url
  try {
    const fn = await functionFor(ref)
    if (fn !== undefined) return { fn }
    return { unreachable: `the worker's import of ${url} made no function ${refName(ref)}` }
  } catch (error) {
    return {
      unreachable: `the worker could not import ${url}: ${error instanceof Error ? error.message : String(error)}`,
    }
  }
}

/** Runs one call and its fused steps: synchronously while every step returns a plain value. */
function runCall(call: WireCall, table: readonly Found[]): WireOutcome | Promise<WireOutcome> {
  // Find every function first, so a chain that cannot run here runs none of its steps.
  const steps = call.steps ?? []
  const fns: AnyFunction[] = []
  for (const [step, index] of [call.fn, ...steps.map((s) => s.fn)].entries()) {
    const found = table[index]!
    if ('unreachable' in found) {
      return {
        ok: false,
        step,
        failure: { kind: 'unreachable', detail: found.unreachable },
        blockingMs: 0,
      }
    }
    fns.push(found.fn)
  }
  if (!allPrimitive(call.args) || steps.some((next) => !allPrimitive(next.args))) {
    // Functions passed as arguments cross as refs: make them again first.
    return decodeArgs(call).then(
      (decoded) => execute(call, fns, decoded),
      (error: unknown) => {
        const detail = error instanceof Error ? error.message : String(error)
        return {
          ok: false,
          step: 0,
          failure: { kind: 'unreachable', detail },
          blockingMs: 0,
        } as const
      },
    )
  }
  return execute(call, fns, [call.args, ...steps.map((next) => next.args)])
}

async function decodeArgs(call: WireCall): Promise<unknown[][]> {
  const decoded = [(await decodeFunctions(call.args, functionFor)) as unknown[]]
  for (const next of call.steps ?? [])
    decoded.push((await decodeFunctions(next.args, functionFor)) as unknown[])
  // In a child process, typed arrays arrive as views into the message: give them their own.
  if (isMainThread) for (const args of decoded) ownBuffers(args)
  return decoded
}

/**
 * Calls each step with the previous result at its holes. Stays synchronous until a step
 * returns a promise; then the rest runs after it settles.
 */
function execute(
  call: WireCall,
  fns: readonly AnyFunction[],
  argLists: unknown[][],
): WireOutcome | Promise<WireOutcome> {
  const steps = call.steps ?? []
  let blockingMs = 0
  const failed = (step: number, error: unknown): WireOutcome => ({
    ok: false,
    step,
    failure: { kind: 'threw', error: toWireError(error) },
    blockingMs,
  })
  const finish = (step: number, value: unknown): WireOutcome => {
    // A child process cannot share memory with its parent.
    const problem = isPrimitive(value)
      ? undefined
      : findCloneProblem(value, 'the result', !isMainThread)
    if (problem !== undefined) {
      return { ok: false, step, failure: { kind: 'not-serializable', ...problem }, blockingMs }
    }
    return { ok: true, value, blockingMs }
  }
  const from = (step: number, value: unknown): WireOutcome | Promise<WireOutcome> => {
    for (; step <= steps.length; step++) {
      const args = argLists[step]!
      if (step > 0) for (const hole of steps[step - 1]!.holes) args[hole] = value
      const started = performance.now()
      try {
        value = fns[step]!(...args)
      } catch (error) {
        return failed(step, error)
      } finally {
        blockingMs += performance.now() - started
      }
      if (isThenable(value)) {
        const current = step
        return Promise.resolve(value).then(
          (settled) => from(current + 1, settled),
          (error: unknown) => failed(current, error),
        )
      }
    }
    return finish(steps.length, value)
  }
  return from(0, undefined)
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  )
}

function isPrimitive(value: unknown): boolean {
  return (
    (typeof value !== 'object' || value === null) &&
    typeof value !== 'function' &&
    typeof value !== 'symbol'
  )
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
