import { availableParallelism } from 'node:os'
import { isAbsolute } from 'node:path'
import { pathToFileURL } from 'node:url'
import { InvalidOptionError } from '@taskgraph/core'
import { describeValue } from '@taskgraph/core/internal'

/** Options of the `threads` and `processes` executors. */
export interface PoolOptions {
  /**
   * Workers in the pool: tasks run on this many cores at once.
   * @default os.availableParallelism()
   */
  workers?: number
  /**
   * Modules each worker imports before running anything, e.g. one that registers a
   * TypeScript loader or module resolution hooks. URLs or absolute paths.
   */
  preload?: readonly string[]
  /**
   * Milliseconds a worker may take to get ready (start, import its preload modules and
   * the modules task functions come from), and an import a call needs may take in a
   * worker. Past it, the run fails with a `WorkerStartError` naming the module: a
   * module whose top-level code never finishes would otherwise hold the run for ever.
   * @default 60000
   */
  startTimeout?: number
  /**
   * Where what tasks print to stdout goes: this process's stdout, or its stderr (so that
   * stdout holds nothing but what the program itself prints, as `taskgraph run --json`
   * needs). stderr always goes to stderr.
   * @default 'stdout'
   */
  taskStdout?: 'stdout' | 'stderr'
}

/** The options a pool takes. */
export const POOL_OPTION_NAMES = ['workers', 'preload', 'startTimeout', 'taskStdout']

/** Validates a `preload` option: an array of URLs or absolute paths. Returns them as URLs. */
export function checkPreload(caller: string, preload: unknown): string[] {
  if (preload === undefined) return []
  const entries = Array.isArray(preload) ? (preload as unknown[]) : undefined
  const bad = entries === undefined ? preload : entries.find((entry) => !isModuleName(entry))
  if (entries === undefined || bad !== undefined) {
    // A relative path would be resolved against the working directory, not the caller's
    // module: it loaded from one directory and failed from another, once workers started.
    const got =
      entries === undefined
        ? describeValue(preload)
        : typeof bad === 'string' && bad !== ''
          ? `${JSON.stringify(bad)} in the array, a relative path or a package name`
          : `an array holding ${describeValue(bad)}`
    throw new InvalidOptionError({
      message: `${caller}: option "preload" must be an array of module URLs or absolute paths, got ${got}. Give e.g. ['/path/to/register-loader.mjs'], or new URL('register-loader.mjs', import.meta.url).href.`,
    })
  }
  return (entries as string[]).map((entry) =>
    isAbsolute(entry) ? pathToFileURL(entry).href : entry,
  )
}

function isModuleName(entry: unknown): entry is string {
  return typeof entry === 'string' && (isAbsolute(entry) || URL.canParse(entry))
}

/** Default of `startTimeout`: generous, since loading a large module can take seconds. */
export const DEFAULT_START_TIMEOUT_MS = 60_000

/** Validates a `startTimeout` option: a whole number of milliseconds a timer accepts. */
export function checkStartTimeout(caller: string, startTimeout: unknown): number {
  if (
    Number.isInteger(startTimeout) &&
    (startTimeout as number) >= 1 &&
    (startTimeout as number) <= 2 ** 31 - 1
  ) {
    return startTimeout as number
  }
  throw new InvalidOptionError({
    message: `${caller}: option "startTimeout" must be a whole number of milliseconds from 1 to 2147483647, got ${describeValue(startTimeout)}.`,
  })
}

/**
 * Most workers a pool may have. Each is a thread or a process with its own heap: far
 * more than there are cores only costs memory, and a typo (100000) would exhaust it.
 */
export const MAX_WORKERS = 256

/** Validates a `workers` option: a whole number from 1 to `MAX_WORKERS`. */
export function checkWorkers(caller: string, workers: unknown): number {
  if (Number.isInteger(workers) && (workers as number) >= 1 && (workers as number) <= MAX_WORKERS) {
    return workers as number
  }
  throw new InvalidOptionError({
    message: `${caller}: option "workers" must be a whole number of workers from 1 to ${MAX_WORKERS} (this machine has ${availableParallelism()} cores), got ${describeValue(workers)}.`,
  })
}

/** Validates a `taskStdout` option. */
export function checkTaskStdout(caller: string, taskStdout: unknown): 'stdout' | 'stderr' {
  if (taskStdout === undefined) return 'stdout'
  if (taskStdout === 'stdout' || taskStdout === 'stderr') return taskStdout
  throw new InvalidOptionError({
    message: `${caller}: option "taskStdout" must be 'stdout' or 'stderr', got ${describeValue(taskStdout)}.`,
  })
}

/** The machine's parallelism: the default number of workers. */
export function defaultWorkers(): number {
  return availableParallelism()
}
