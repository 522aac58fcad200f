import type { AnyFunction, DelayedFunction } from '@taskgraph/core'
import { Client, type FutureArgs, type SubmitResult } from './client.js'
import type { Future } from './future.js'

let defaultClient: Client | undefined

/**
 * Makes `client` the one `submit` uses (`undefined`: one with the default run options,
 * made on next use). `taskgraph run` sets the run's executor here, so that a workflow's
 * submits run where its graph does.
 */
export function setDefaultClient(client: Client | undefined): void {
  defaultClient = client
}

/**
 * Calls `fn(...args)` now and returns its future (Dask's `client.submit`), with the
 * default run options (`TASKGRAPH_EXECUTOR`, else `'async'`). For other options (an
 * executor, retries, hooks), submit through a `Client`.
 * @example
 * const a = submit(load, 'a.csv')
 * const total = submit(sum, a) // waits for a
 * console.log(await total)
 */
export function submit<F extends AnyFunction>(
  fn: DelayedFunction<F>,
  ...args: FutureArgs<Parameters<F>>
): Future<SubmitResult<F>>
export function submit<F extends AnyFunction>(
  fn: F,
  ...args: FutureArgs<Parameters<F>>
): Future<SubmitResult<F>>
export function submit<F extends AnyFunction>(
  fn: F | DelayedFunction<F>,
  ...args: FutureArgs<Parameters<F>>
): Future<SubmitResult<F>> {
  defaultClient ??= new Client()
  return defaultClient.submit(fn as F, ...args)
}
