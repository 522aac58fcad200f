// A cluster worker's options, what each means and its default, and the checks
// `ClusterWorker.start` makes of them before it opens a connection: a bad option fails the
// start at once, naming the option and the fix.
import { availableParallelism, hostname } from 'node:os'
import { dirname, isAbsolute, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { InvalidOptionError } from '@taskgraph/core'
import { checkOptionNames, describeValue } from '@taskgraph/core/internal'
import { checkStartTimeout, DEFAULT_START_TIMEOUT_MS } from '@taskgraph/scheduler/internal'
import { checkPath, checkRoot } from '../cluster-options.js'
import { parseClusterUrl, type ClusterUrl } from '../connection.js'

/** Options of `ClusterWorker.start`, and of `taskgraph worker`. */
export interface ClusterWorkerOptions {
  /** Worker threads that run tasks. @default os.availableParallelism() */
  threads?: number
  /**
   * The name `taskgraph cluster status` and errors show: 1 to 100 characters, no spaces
   * or control characters (`start` throws `InvalidOptionError` for any other), and one
   * no other live worker of the cluster holds (`start` rejects with
   * `WorkerNameInUseError`).
   * @default `<host>-<pid>`, then `<host>-<pid>-2`... for more workers of the process
   */
  name?: string
  /**
   * The modules it serves (paths): it imports them at start and runs only their task
   * functions and those of the modules they load. @default any module of the root
   */
  modules?: readonly string[]
  /** The project's root: jobs name modules by their path inside it. @default process.cwd() */
  root?: string
  /** The shared directory for large results, a `file://` URL (the driver's `store`). */
  store?: string
  /**
   * Milliseconds a job's lease lasts: a worker that dies holding jobs has them run again
   * elsewhere once it lapses (the worker renews it every half, from its event loop,
   * which tasks never hold: they run in its threads).
   * @default 30000
   */
  lease?: number
  /**
   * Milliseconds it waits for a dropped connection to Redis to come back: then it stops
   * (`finished` rejects with a `ClusterConnectionError`), rather than wait for a Redis
   * that may be gone for good. `0` waits for ever.
   * @default 30000
   */
  reconnectTimeout?: number
  /**
   * Milliseconds the modules it serves, imported at start here and in its threads, may
   * take: then the start fails (a `ModuleRefusedError` naming the module), rather than
   * wait for ever for a module whose top-level code never finishes.
   * @default 60000
   */
  startTimeout?: number
  /**
   * Modules each of its threads imports first (the pool executors' `preload`): paths,
   * relative ones from `root`, as `modules` are, or URLs.
   */
  preload?: readonly string[]
  /**
   * Readies this thread to import modules (a CLI registers its TypeScript loader here),
   * once, before its first import: at start when `modules` are given (it imports them),
   * else when a task returns a graph (this thread makes it again, importing its
   * modules). Tasks' modules are imported by the worker's threads only: calls never
   * wait for it.
   */
  prepareImports?: () => Promise<void>
}

/** A worker's options, checked, with their defaults filled in. */
export interface WorkerSettings {
  readonly url: ClusterUrl
  readonly name: string
  readonly threads: number
  readonly lease: number
  readonly reconnectTimeout: number
  readonly startTimeout: number
  /** The project's root, resolved. */
  readonly root: string
  /** The modules it serves, as file URLs; `undefined`: any module of the root. */
  readonly modules: readonly string[] | undefined
  readonly preload: readonly string[]
  readonly store: string | undefined
  readonly prepareImports: (() => Promise<void>) | undefined
  /** The root of the file system, if it is its project root and it has no modules. */
  readonly anyFile: string | undefined
}

/**
 * The shortest lease a worker takes: one renewed every half-lease must outlast a loaded
 * machine's pauses and Redis's round trips, or live workers' jobs run twice.
 */
export const MIN_LEASE_MS = 1000

const NAMES = [
  'threads',
  'name',
  'modules',
  'root',
  'store',
  'lease',
  'reconnectTimeout',
  'startTimeout',
  'preload',
  'prepareImports',
]
/** The longest delay a Node timer takes, about 24.8 days. */
export const MAX_TIMER_MS = 2 ** 31 - 1
/** How long a worker waits for a dropped connection to Redis by default: as a driver. */
const DEFAULT_RECONNECT_TIMEOUT_MS = 30_000

/** Workers of this process given no name: each gets one of its own. */
let unnamed = 0

function defaultName(): string {
  const name = `${hostname()}-${process.pid}`
  return ++unnamed === 1 ? name : `${name}-${unnamed}`
}

/**
 * Checks the URL and options `caller` was given, and fills in their defaults.
 * @throws {InvalidOptionError} naming the first option that is wrong, and the fix
 */
export function checkWorkerOptions(
  caller: string,
  url: string,
  options: ClusterWorkerOptions,
): WorkerSettings {
  checkOptionNames(caller, options, NAMES)
  const clusterUrl = parseClusterUrl(caller, url)
  const threads = options.threads ?? availableParallelism()
  const lease = options.lease ?? 30_000
  for (const [name, value] of [
    ['threads', threads],
    ['lease', lease],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new InvalidOptionError({
        message: `${caller}: option ${name} must be a positive whole number, not ${describeValue(value)}.`,
      })
    }
  }
  if (lease < MIN_LEASE_MS) {
    throw new InvalidOptionError({
      message: `${caller}: option lease must be at least ${MIN_LEASE_MS} ms, not ${lease}: a lease that lapses before the worker renews it (every half-lease, a Redis round trip away) has its jobs run again while it runs them. Give a lease of seconds (the default is 30000).`,
    })
  }
  const reconnectTimeout = options.reconnectTimeout ?? DEFAULT_RECONNECT_TIMEOUT_MS
  if (
    !Number.isSafeInteger(reconnectTimeout) ||
    reconnectTimeout < 0 ||
    reconnectTimeout > MAX_TIMER_MS
  ) {
    throw new InvalidOptionError({
      message: `${caller}: option reconnectTimeout must be a whole number of milliseconds from 0 (wait for ever) to ${MAX_TIMER_MS}, not ${describeValue(options.reconnectTimeout)}.`,
    })
  }
  const startTimeout =
    options.startTimeout === undefined
      ? DEFAULT_START_TIMEOUT_MS
      : checkStartTimeout(caller, options.startTimeout)
  if (options.prepareImports !== undefined && typeof options.prepareImports !== 'function') {
    throw new InvalidOptionError({
      message: `${caller}: option prepareImports must be a function returning a promise, not ${describeValue(options.prepareImports)}.`,
    })
  }
  checkRoot(caller, options.root)
  checkPath(caller, 'store', options.store)
  for (const name of ['modules', 'preload'] as const) {
    const paths: unknown = options[name]
    if (paths === undefined) continue
    if (!Array.isArray(paths)) {
      throw new InvalidOptionError({
        message: `${caller}: option ${name} must be an array of paths, not ${describeValue(paths)}.`,
      })
    }
    for (const path of paths) checkPath(caller, `${name}[]`, path)
  }
  const name = options.name ?? defaultName()
  // Status lists, task records and errors show it, a word among others.
  if (typeof name !== 'string' || !/^[\x21-\x7e\u00a1-\uffff]{1,100}$/.test(name)) {
    throw new InvalidOptionError({
      message: `${caller}: option name must be 1 to 100 characters with no spaces or control characters, not ${describeValue(options.name)}. Give a name such as gpu-box-1, or leave it out for <host>-<pid>.`,
    })
  }
  const root = resolve(options.root ?? process.cwd())
  return {
    url: clusterUrl,
    name,
    threads,
    lease,
    reconnectTimeout,
    startTimeout,
    root,
    modules: options.modules?.map((module) => pathToFileURL(resolve(root, module)).href),
    preload: (options.preload ?? []).map((module) =>
      URL.canParse(module) && !isAbsolute(module)
        ? module
        : pathToFileURL(resolve(root, module)).href,
    ),
    store: options.store,
    prepareImports: options.prepareImports,
    anyFile: options.modules === undefined && dirname(root) === root ? root : undefined,
  }
}
