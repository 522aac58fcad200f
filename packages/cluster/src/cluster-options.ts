import { statSync } from 'node:fs'
import { resolve } from 'node:path'
import { InvalidOptionError } from '@taskgraph/core'
import { checkOptionNames, describeValue } from '@taskgraph/core/internal'

/** Options of `new ClusterExecutor(url, options)`. */
export interface ClusterOptions {
  /**
   * A directory every machine of the cluster mounts, as a `file://` URL, for results of
   * `maxStoredBytes` and more. Give the workers the same (`taskgraph worker --store`).
   * Without it, a task whose result is that large fails with `ResultTooLargeError`.
   */
  store?: string
  /**
   * Largest result, in bytes, kept in Redis; larger ones go to `store`.
   * @default 1048576 (1 MiB)
   */
  maxStoredBytes?: number
  /**
   * The project's root directory: task modules are named to workers by their path inside
   * it, so machines may keep the project in different places. Each worker has its own
   * (the directory it starts in).
   * @default process.cwd()
   */
  root?: string
  /**
   * Milliseconds a run waits for a dropped connection to Redis to come back before it
   * fails with `ClusterConnectionError`.
   * @default 30000
   */
  reconnectTimeout?: number
  /**
   * Fuse linear chains of tasks into one job, as the pool executors fuse them into one
   * call: their intermediate results stay in the worker. `false` sends every task alone.
   * @default true
   */
  fuse?: boolean
}

export const DEFAULT_MAX_STORED_BYTES = 1024 * 1024
export const DEFAULT_RECONNECT_TIMEOUT_MS = 30_000

const NAMES = new Set(['store', 'maxStoredBytes', 'root', 'reconnectTimeout', 'fuse'])

export function checkClusterOptions(caller: string, options: unknown): ClusterOptions {
  if (options === undefined) return {}
  checkOptionNames(caller, options, NAMES)
  const checked = options as ClusterOptions
  for (const name of ['maxStoredBytes', 'reconnectTimeout'] as const) {
    const value = checked[name]
    if (value !== undefined && !(Number.isSafeInteger(value) && value > 0)) {
      throw new InvalidOptionError({
        message: `${caller}: option ${name} must be a positive whole number, not ${describeValue(value)}.`,
      })
    }
  }
  checkRoot(caller, checked.root)
  checkPath(caller, 'store', checked.store)
  if (checked.fuse !== undefined && typeof checked.fuse !== 'boolean') {
    throw new InvalidOptionError({
      message: `${caller}: option fuse must be true or false, not ${describeValue(checked.fuse)}.`,
    })
  }
  return checked
}

/**
 * Refuses a `root` option that is given and is not the path of a directory (resolved
 * against the working directory): reading module paths against it threw a bare ENOENT.
 */
export function checkRoot(caller: string, root: unknown): void {
  checkPath(caller, 'root', root)
  if (root === undefined) return
  const path = resolve(root as string)
  let what: string | undefined
  try {
    if (!statSync(path).isDirectory()) what = 'is not a directory'
  } catch (error) {
    what = `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`
  }
  if (what === undefined) return
  throw new InvalidOptionError({
    message: `${caller}: option root names ${path}, which ${what}; give the project's root directory, where its task modules are.`,
  })
}

/** Refuses a path or URL option that is given and is not a string, or is empty. */
export function checkPath(caller: string, name: string, value: unknown): void {
  if (value === undefined || (typeof value === 'string' && value !== '')) return
  throw new InvalidOptionError({
    message: `${caller}: option ${name} must be a path, not ${describeValue(value)}.`,
  })
}
