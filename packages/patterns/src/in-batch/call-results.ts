import { InvalidArgumentError } from '@taskgraph/core'
import { describeValue } from '@taskgraph/core/internal'
import { NotSerializableFault, toTaskError } from '@taskgraph/scheduler/internal'
import { fromWireError } from '@taskgraph/scheduler/wire'
import type { Settled } from './run-call.js'

/**
 * What one call of an in-batch function gave `post`: its result, or the `Error` it threw
 * (a copy with the same name, message, stack and own properties when it ran in a
 * worker). A thrown value that is not an `Error`, and a result that cannot come back
 * from a worker, arrive as a `TaskError`, so every failure is an `Error`.
 */
export type CallResult<R> = R | Error

/**
 * Whether any call failed: batchflow's `any_action_failed`. A result that is itself an
 * `Error` counts as a failure.
 * @example post: (results) => { if (anyFailed(results)) throw new Error('a call failed'); ... }
 */
export function anyFailed(results: readonly unknown[]): boolean {
  // Checked, or what is not an array failed inside with a TypeError about `.some`.
  if (!Array.isArray(results)) {
    throw new InvalidArgumentError({
      message: `anyFailed: expects the array of results post gets, got ${describeValue(results)}. Pass post's first parameter: post: (results) => anyFailed(results) ? ... : ...`,
    })
  }
  return results.some((result) => result instanceof Error)
}

/** The result of one call as `post` sees it; `key` and `name` are its task's. */
export function callResult(settled: Settled, key: string, name: string, caller: string): unknown {
  if (settled.ok) return settled.value
  if ('unsendable' in settled) {
    const { path, type, reason } = settled.unsendable
    return toTaskError(key, name, new NotSerializableFault('result', path, type, reason), caller, 1)
  }
  const thrown = 'wire' in settled ? fromWireError(settled.wire) : settled.error
  return thrown instanceof Error ? thrown : toTaskError(key, name, thrown, caller, 1)
}
