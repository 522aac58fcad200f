// The options of `taskgraph run`: each from its flag, else its TASKGRAPH_* variable, else
// its default. The run options' variables are read by the scheduler's own reader, which
// compute() uses too, so the command and the library parse and check them alike.
// (commander's Option#env() would parse them with the flags' parsers: an empty variable
// would be an error instead of unset, and the messages would not say how to fix it.)
import { randomBytes } from 'node:crypto'
import { accessSync, closeSync, constants, openSync, rmSync, statSync, type Stats } from 'node:fs'
import { dirname, extname, join, resolve } from 'node:path'
import { InvalidOptionError } from '@taskgraph/core'
import {
  RUN_OPTION_VARIABLES,
  checkSizing,
  envValue,
  invalidEnvValue,
  TYPESCRIPT_LOADER_VARIABLE,
  readEnvRunOptions,
} from '@taskgraph/scheduler/internal'
import { cacheSetting } from './cache-settings.js'
import { CACHE_VARIABLE, CLUSTER_VARIABLES, clusterUrl, storeUrl } from './cluster-settings.js'
import type { RunCommandOptions } from './commands/run.js'
import { LOG_LEVELS, type LogLevel } from './logger.js'

/** Sets `--log-level`. Only the command logs, so the library does not read it. */
export const LOG_LEVEL_VARIABLE = 'TASKGRAPH_LOG_LEVEL'

/** The variable that sets each option of `taskgraph run` and `--log-level`, by option name. */
export const OPTION_VARIABLES: Readonly<Record<string, string>> = {
  ...RUN_OPTION_VARIABLES,
  ...CLUSTER_VARIABLES,
  cache: CACHE_VARIABLE,
  logLevel: LOG_LEVEL_VARIABLE,
}

/** Options that size or choose a local executor: not for a run on a cluster. */
const LOCAL_OPTIONS = ['executor', 'concurrency', 'workers', 'startTimeout'] as const

/** What `taskgraph run` runs with. */
export interface RunSettings {
  readonly options: RunCommandOptions
  readonly logLevel: LogLevel
}

/**
 * Fills in the options of `taskgraph run` that no flag gave from `env`. `given(name)`
 * says whether the flag of option `name` was on the command line. Flags are checked
 * against the executor in use, whichever of flag, variable or default chose it, by the
 * check compute() makes: on the command line the environment is the user's own, and a
 * flag that does not fit it is a mistake worth a word. A variable that does not fit the
 * executor in use is left out.
 * @throws {InvalidOptionError} for a bad variable or a flag that does not fit
 */
export function runSettings(
  flags: RunCommandOptions & { logLevel: LogLevel },
  given: (option: string) => boolean,
  env: NodeJS.ProcessEnv,
): RunSettings {
  const fromEnv = readVariables(env)
  const logLevel = given('logLevel') ? flags.logLevel : (fromEnv.logLevel ?? flags.logLevel)
  const cluster = clusterUrl('taskgraph run', flags.cluster, env, false)
  const store = storeUrl('taskgraph run', flags.store, env, cluster !== undefined)
  const { json, keepGoing, progress, trace, report, dashboard } = flags
  if (trace !== undefined) checkOutputPath('--trace', trace)
  if (report !== undefined) checkOutputPath('--report', report)
  const cache = cacheSetting('taskgraph run', flags.cache, env)
  const retries = flags.retries ?? fromEnv.retries
  const timeout = flags.timeout ?? fromEnv.timeout
  const common = {
    json,
    keepGoing,
    ...(progress === undefined ? {} : { progress }),
    ...(trace === undefined ? {} : { trace }),
    ...(report === undefined ? {} : { report }),
    ...(cache === undefined ? {} : { cache }),
    ...(dashboard === undefined ? {} : { dashboard }),
    ...(retries === undefined ? {} : { retries }),
    ...(timeout === undefined ? {} : { timeout }),
  }
  if (cluster !== undefined) {
    const local = LOCAL_OPTIONS.find((name) => given(name))
    if (local !== undefined) {
      throw new InvalidOptionError({
        message: `taskgraph run: '--${kebabCase(local)}' is for the local executors, and this run goes to the cluster at ${flags.cluster === undefined ? CLUSTER_VARIABLES.cluster : '--cluster'}; drop it (a cluster worker's size is its own --threads).`,
      })
    }
    const { reconnectTimeout, maxStoredBytes } = flags
    return {
      options: {
        executor: 'async',
        cluster,
        ...(store === undefined ? {} : { store }),
        ...(reconnectTimeout === undefined ? {} : { reconnectTimeout }),
        ...(maxStoredBytes === undefined ? {} : { maxStoredBytes }),
        ...common,
      },
      logLevel,
    }
  }
  if (flags.store !== undefined) {
    throw new InvalidOptionError({
      message: `taskgraph run: '--store' is where a cluster keeps large results; give it with --cluster (or ${CLUSTER_VARIABLES.cluster}), or drop it.`,
    })
  }
  if (flags.reconnectTimeout !== undefined) {
    throw new InvalidOptionError({
      message: `taskgraph run: '--reconnect-timeout' is how long a run on a cluster waits for Redis; give it with --cluster (or ${CLUSTER_VARIABLES.cluster}), or drop it.`,
    })
  }
  if (flags.maxStoredBytes !== undefined) {
    throw new InvalidOptionError({
      message: `taskgraph run: '--max-stored-bytes' is the largest result a cluster keeps in Redis; give it with --cluster (or ${CLUSTER_VARIABLES.cluster}), or drop it.`,
    })
  }
  const executor = given('executor') ? flags.executor : (fromEnv.executor ?? 'async')
  try {
    checkSizing('taskgraph run', executor, flags, (name) => `'--${kebabCase(name)}'`)
  } catch (error) {
    if (!(error instanceof InvalidOptionError) || given('executor') || !fromEnv.executor) {
      throw error
    }
    throw new InvalidOptionError({
      message: `${error.message} ${RUN_OPTION_VARIABLES.executor}=${executor} chose that executor.`,
      cause: error,
    })
  }
  const pool = executor === 'threads' || executor === 'processes'
  const concurrency = executor === 'async' ? (flags.concurrency ?? fromEnv.concurrency) : undefined
  const workers = pool ? (flags.workers ?? fromEnv.workers) : undefined
  const startTimeout = pool ? (flags.startTimeout ?? fromEnv.startTimeout) : undefined
  return {
    options: {
      executor,
      ...common,
      ...(concurrency === undefined ? {} : { concurrency }),
      ...(workers === undefined ? {} : { workers }),
      ...(startTimeout === undefined ? {} : { startTimeout }),
    },
    logLevel,
  }
}

/** Every variable `taskgraph run` reads, checked whether or not this run uses it. */
function readVariables(env: NodeJS.ProcessEnv): ReturnType<typeof readEnvRunOptions> & {
  logLevel?: LogLevel
} {
  const fromEnv = readEnvRunOptions(env)
  // Read where each TypeScript module loads, in every thread: any other value there
  // would silently mean "strip types where Node can".
  const loader = envValue(env, TYPESCRIPT_LOADER_VARIABLE)
  if (loader !== undefined && loader !== 'tsx') {
    throw new InvalidOptionError({
      message: invalidEnvValue(
        TYPESCRIPT_LOADER_VARIABLE,
        loader,
        'a TypeScript loader',
        'tsx, to load every TypeScript module with tsx',
      ),
    })
  }
  const logLevel = envValue(env, LOG_LEVEL_VARIABLE)
  if (logLevel === undefined) return fromEnv
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new InvalidOptionError({
      message: invalidEnvValue(
        LOG_LEVEL_VARIABLE,
        logLevel,
        'a log level',
        `one of ${LOG_LEVELS.join(', ')}`,
      ),
    })
  }
  return { ...fromEnv, logLevel: logLevel as LogLevel }
}

/** `startTimeout` as its flag spells it: `start-timeout`. */
function kebabCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)
}

/** Extensions of the modules a workflow may import: never a trace's or a report's. */
const SOURCE_EXTENSIONS = new Set(['.js', '.mjs', '.cjs', '.jsx', '.ts', '.mts', '.cts', '.tsx'])

/**
 * Whether the trace or report can be written where `flag` says, asked before the run: a
 * long run should not end in a trace lost to a mistyped directory.
 * @throws {InvalidOptionError} if it names a directory, or its directory does not exist
 * or cannot be written
 */
function checkOutputPath(flag: '--trace' | '--report', path: string): void {
  // The workflow file is refused by name (output-paths.ts); a module it imports, named by
  // mistake (`--trace tasks.ts`), would be overwritten as well: no trace or report is one.
  const extension = extname(path).toLowerCase()
  if (SOURCE_EXTENSIONS.has(extension)) {
    throw new InvalidOptionError({
      message: `taskgraph run: '${flag}' names ${path}, a source file by its extension (${extension}), which the ${flag === '--trace' ? 'trace' : 'report'} would overwrite; give a path ending in ${flag === '--trace' ? '.json' : '.html'}.`,
    })
  }
  const existing = statOrUndefined(path)
  if (existing === 'loop') {
    throw new InvalidOptionError({
      message: `taskgraph run: '${flag}' names ${path}, which goes through a symbolic link that leads back to itself; remove the link or give another path.`,
    })
  }
  if (existing?.isDirectory() === true) {
    throw new InvalidOptionError({
      message: `taskgraph run: '${flag}' names ${path}, which is a directory; give the path of a file to write, such as ${join(path, flag === '--trace' ? 'trace.json' : 'report.html')}.`,
    })
  }
  const directory = dirname(resolve(path))
  const found = statOrUndefined(directory)
  const writable = found !== 'loop' && found?.isDirectory() === true && canWrite(directory)
  if (!writable) {
    throw new InvalidOptionError({
      message: `taskgraph run: '${flag}' names ${path}, in ${directory}, which does not exist, is not a directory or cannot be written; give a path in a directory that can.`,
    })
  }
}

/**
 * What `path` is: `undefined` where nothing is or can be (under a file), `'loop'` for a
 * symbolic link loop.
 */
function statOrUndefined(path: string): Stats | 'loop' | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false })
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ELOOP' ? 'loop' : undefined
  }
}

/**
 * Whether a file can be made in `directory`, by making one (and removing it): permissions
 * do not tell of every directory that refuses files. Root may write to `/proc` by its
 * mode, where making a file fails (ENOENT) once the run has ended.
 */
function canWrite(directory: string): boolean {
  const probe = join(directory, `.taskgraph-${process.pid}-${randomBytes(4).toString('hex')}.tmp`)
  try {
    accessSync(directory, constants.W_OK)
    closeSync(openSync(probe, 'wx'))
  } catch {
    return false
  }
  try {
    rmSync(probe, { force: true })
  } catch {
    // Made but not removable: an empty file left is no reason to refuse the run.
  }
  return true
}
