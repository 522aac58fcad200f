import { InvalidOptionError, TaskgraphError } from '@taskgraph/core'
import { checkOptionNames, describeValue } from '@taskgraph/core/internal'
import { futuresOf, type Future } from './future.js'

/** When `wait` returns: at the first settled future, the first failed one, or all settled. */
export type ReturnWhen = 'FIRST_COMPLETED' | 'FIRST_EXCEPTION' | 'ALL_COMPLETED'

export interface WaitOptions {
  /** @default 'ALL_COMPLETED' */
  readonly returnWhen?: ReturnWhen
  /** Milliseconds to wait at most: then `wait` rejects with a `WaitTimeoutError`. */
  readonly timeout?: number
}

/** The futures `wait` was given, split by whether they had settled when it returned. */
export interface WaitResult<T> {
  readonly done: Set<Future<T>>
  readonly notDone: Set<Future<T>>
}

/** `wait` ran out of time before the futures it was given got where it was asked. */
export class WaitTimeoutError extends TaskgraphError {
  /** The futures that had not settled: a set, as `wait`'s own `notDone`. */
  readonly notDone: Set<Future>

  constructor(options: {
    readonly timeout: number
    readonly returnWhen: ReturnWhen
    readonly notDone: readonly Future[]
  }) {
    super({
      code: 'ERR_WAIT_TIMEOUT',
      message: `wait: ${options.notDone.length} future(s) still pending after ${options.timeout} ms (returnWhen: ${options.returnWhen}), e.g. ${options.notDone[0]?.key ?? 'none'}. Give a longer timeout, or cancel() the futures you no longer need.`,
    })
    this.notDone = new Set(options.notDone)
  }
}
WaitTimeoutError.prototype.name = 'WaitTimeoutError'

const WAIT_OPTION_NAMES = ['returnWhen', 'timeout']
/** The longest timer Node keeps. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1
const RETURN_WHEN: readonly ReturnWhen[] = ['FIRST_COMPLETED', 'FIRST_EXCEPTION', 'ALL_COMPLETED']

/**
 * Waits until the futures have settled as `returnWhen` asks (Dask's `wait`): every one
 * (`'ALL_COMPLETED'`), any one (`'FIRST_COMPLETED'`), or the first to fail, else all
 * (`'FIRST_EXCEPTION'`; a cancelled future has not failed, as in Python's
 * `concurrent.futures`). Never rejects for a future's failure: look at `done`.
 * @throws {WaitTimeoutError} if `timeout` ms pass first
 */
export function wait<T>(futures: Iterable<Future<T>>, options?: WaitOptions): Promise<WaitResult<T>>
// Futures of different result types (see `asCompleted`).
export function wait<F extends Future>(
  futures: Iterable<F>,
  options?: WaitOptions,
): Promise<WaitResult<F extends Future<infer T> ? T : never>>
export async function wait<T>(
  futures: Iterable<Future<T>>,
  options: WaitOptions = {},
): Promise<WaitResult<T>> {
  // A misspelt option (`timout`) would otherwise wait without a limit, without a word.
  checkOptionNames('wait', options, WAIT_OPTION_NAMES)
  const { returnWhen = 'ALL_COMPLETED', timeout } = options
  if (!RETURN_WHEN.includes(returnWhen)) {
    throw new InvalidOptionError({
      message: `wait: option returnWhen must be one of ${RETURN_WHEN.map((name) => `'${name}'`).join(', ')}, got ${JSON.stringify(returnWhen)}.`,
    })
  }
  // Past 2^31 - 1 ms, Node fires a timer at once (with a warning): it would time out now.
  if (
    timeout !== undefined &&
    !(typeof timeout === 'number' && timeout >= 0 && timeout <= MAX_TIMEOUT_MS)
  ) {
    throw new InvalidOptionError({
      message: `wait: option timeout must be a number of milliseconds from 0 to ${MAX_TIMEOUT_MS}, got ${describeValue(timeout)}. Leave it out to wait without a limit.`,
    })
  }
  // Each future once: one given twice (`wait([f, f])`) would be counted once as done,
  // and an 'ALL_COMPLETED' wait would never end.
  const all = [...new Set(futuresOf('wait', futures))]
  const done = new Set<Future<T>>()
  await new Promise<void>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined
    const finish = (): void => {
      clearTimeout(timer)
      resolve()
    }
    if (all.length === 0) return finish()
    if (timeout !== undefined) {
      timer = setTimeout(() => {
        reject(
          new WaitTimeoutError({ timeout, returnWhen, notDone: all.filter((f) => !done.has(f)) }),
        )
      }, timeout)
    }
    for (const future of all) {
      const settled = (failed: boolean): void => {
        done.add(future)
        if (
          done.size === all.length ||
          returnWhen === 'FIRST_COMPLETED' ||
          (returnWhen === 'FIRST_EXCEPTION' && failed)
        )
          finish()
      }
      // Its status is set by then (the future's own handler comes first).
      future.then(
        () => settled(false),
        () => settled(future.status === 'error'),
      )
    }
  })
  // Futures that settled in the same moment count as done too.
  for (const future of all) if (future.done) done.add(future)
  return { done, notDone: new Set(all.filter((future) => !done.has(future))) }
}

// This package's codes, among those of `TaskgraphError#code` (see `TaskgraphErrorCodes`).
declare module '@taskgraph/core' {
  interface TaskgraphErrorCodes {
    ERR_WAIT_TIMEOUT: WaitTimeoutError
  }
}
