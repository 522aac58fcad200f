import type { AnyFunction, DelayedFunction } from '@taskgraph/core'
import type { OverloadedParameters } from '@taskgraph/core/internal'
import { clientMadeBy, type Client, type FutureArgs, type SubmitResult } from './client.js'
import type { Future } from './future.js'

/** The client `setDefaultClient` was given, if any. */
let givenClient: Client | undefined
/** The client made for the default run options, and the environment it was made in. */
let madeClient: { readonly client: Client; readonly environment: string } | undefined

/**
 * Makes `client` the one `submit` uses (`undefined`: one with the default run options,
 * made on next use). `taskgraph run` sets the run's executor here, so that a workflow's
 * submits run where its graph does.
 */
export function setDefaultClient(client: Client | undefined): void {
  givenClient = client
}

/**
 * The client for the default run options. A client running on `async` keeps one executor
 * for all its futures (made with the environment's `TASKGRAPH_CONCURRENCY`): made again
 * when the variables choosing it change, so that a change counts from the next call, as
 * it does for `compute`.
 */
function defaultClient(): Client {
  if (givenClient !== undefined) return givenClient
  const { TASKGRAPH_EXECUTOR: executor, TASKGRAPH_CONCURRENCY: concurrency } = process.env
  const environment = `${executor}\0${concurrency}`
  if (madeClient?.environment !== environment) {
    madeClient = { client: clientMadeBy('submit'), environment }
  }
  return madeClient.client
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
  ...args: FutureArgs<OverloadedParameters<F>>
): Future<SubmitResult<F>>
export function submit<F extends AnyFunction>(
  fn: F,
  ...args: FutureArgs<OverloadedParameters<F>>
): Future<SubmitResult<F>>
export function submit<F extends AnyFunction>(
  fn: F | DelayedFunction<F>,
  ...args: FutureArgs<OverloadedParameters<F>>
): Future<SubmitResult<F>> {
  return defaultClient().submit(fn as F, ...args)
}
