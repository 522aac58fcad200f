// Where `taskgraph cache …` finds its cache, and the limits `prune` reads: checked here, so
// that a wrong value is a usage error (exit 2) before anything is read or removed.
import { lstatSync, readlinkSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { InvalidOptionError } from '@taskgraph/core'
import { fileInTheWay, fileInTheWayText } from '@taskgraph/core/internal'
import { envValue, invalidEnvValue } from '@taskgraph/scheduler/internal'
import { InvalidArgumentError } from 'commander'
import { CACHE_VARIABLE } from './cluster-settings.js'

/**
 * The cache directory of a `taskgraph cache` command: `--cache`, else TASKGRAPH_CACHE;
 * required, and it must exist: a mistyped path would otherwise read as an empty cache.
 */
export function cacheDirectory(
  command: string,
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
): string {
  const directory = cacheSetting(command, flag, env)
  if (directory === undefined) {
    throw new InvalidOptionError({
      message: `${command}: give the cache's directory with --cache DIR (or set ${CACHE_VARIABLE}).`,
    })
  }
  if (isMissing(directory)) {
    const from = flag === undefined ? `${CACHE_VARIABLE}=${directory}` : `--cache ${directory}`
    throw new InvalidOptionError({
      message: `${command}: ${from} names a directory that does not exist; give the directory \`taskgraph run --cache\` keeps results in.`,
    })
  }
  return directory
}

/**
 * The cache directory for `command`: `--cache`, else TASKGRAPH_CACHE, else none. The
 * variable is checked even when the flag overrides it, as every TASKGRAPH_* variable is:
 * a mistake in it shows the first time, not the day the flag is left out.
 */
export function cacheSetting(
  command: string,
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
): string | undefined {
  const variable = envValue(env, CACHE_VARIABLE)
  const blocked = variable === undefined ? undefined : fileInTheWay(variable)
  if (variable !== undefined && blocked !== undefined) {
    throw new InvalidOptionError({
      message: `${command}: ${invalidEnvValue(CACHE_VARIABLE, variable, `a directory (${fileInTheWayText(variable, blocked)})`, 'a directory such as .taskgraph-cache (one that is missing is made)')}`,
    })
  }
  const dangling = variable === undefined ? undefined : danglingLink(variable)
  if (variable !== undefined && dangling !== undefined) {
    throw new InvalidOptionError({
      message: `${command}: ${invalidEnvValue(CACHE_VARIABLE, variable, `a directory (it ${danglingText(variable, dangling)})`, 'a directory such as .taskgraph-cache, or make the directory it links to')}`,
    })
  }
  return flag === undefined ? variable : checkedCacheDirectory(command, flag)
}

/**
 * `directory`, for `command`'s cache: a usage error if it is a file or lies under one
 * (a missing one is made), before the cache's package loads.
 */
export function checkedCacheDirectory(command: string, directory: string): string {
  // '' would be the working directory: a project's root filled with cache files.
  if (directory === '') {
    throw new InvalidOptionError({
      message: `${command}: the cache directory is an empty path. Give --cache (or ${CACHE_VARIABLE}) a directory, such as .taskgraph-cache.`,
    })
  }
  const blocked = fileInTheWay(directory)
  if (blocked !== undefined) {
    throw new InvalidOptionError({
      message: `${command}: the cache directory ${directory} is not a directory (${fileInTheWayText(directory, blocked)}). Give --cache (or ${CACHE_VARIABLE}) a directory: one that is missing is made.`,
    })
  }
  const dangling = danglingLink(directory)
  if (dangling !== undefined) {
    throw new InvalidOptionError({
      message: `${command}: the cache directory ${directory} ${danglingText(directory, dangling)}. Make that directory, or give --cache (or ${CACHE_VARIABLE}) another one.`,
    })
  }
  return directory
}

/** A symbolic link to nothing, at `directory` or above it, and where it links to. */
interface DanglingLink {
  /** The link, as `directory` names it, or the directory above it that it is. */
  readonly link: string
  readonly target: string
}

/**
 * The symbolic link to nothing that `directory` is, or lies under (`cache/runs`, where
 * `cache` links to a disk not mounted): a missing directory is made, but not through a
 * link, and Node's mkdir would say only that the link is "not a directory".
 */
function danglingLink(directory: string): DanglingLink | undefined {
  for (let path = directory; ;) {
    try {
      if (!lstatSync(path).isSymbolicLink()) return undefined
      statSync(path)
      return undefined
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return undefined
    }
    try {
      return { link: path, target: readlinkSync(path) }
    } catch {
      // Missing: the directory above it may be the link.
    }
    const parent = dirname(path)
    if (parent === path) return undefined
    path = parent
  }
}

/** How a message names `dangling`, the link `directory` is or lies under. */
function danglingText(directory: string, dangling: DanglingLink): string {
  const link = `a symbolic link to ${dangling.target}, which does not exist`
  return dangling.link === directory ? `is ${link}` : `lies under ${dangling.link}, ${link}`
}

/**
 * Whether nothing is at `directory`. A path that cannot be looked at (a link loop, no
 * rights) is not missing: the command goes on, and says what the file system refused.
 */
function isMissing(directory: string): boolean {
  try {
    statSync(resolve(directory))
    return false
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT'
  }
}

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
}

/** A size such as `500MB`, `2GiB` or `1048576` (bytes), for `--max-size`. */
export function byteSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim())
  const unit = SIZE_UNITS[(match?.[2] || 'b').toLowerCase()]
  if (match === null || unit === undefined) {
    throw new InvalidArgumentError('expected a size such as 500MB, 2GiB or a number of bytes.')
  }
  return Math.floor(Number(match[1]) * unit)
}

const AGE_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
}

/** An age such as `7d`, `12h`, `30m` or `45s`, for `--max-age`, in milliseconds. */
export function age(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/.exec(text.trim())
  if (match === null) throw new InvalidArgumentError('expected an age such as 7d, 12h, 30m or 45s.')
  return Number(match[1]) * AGE_UNITS[match[2]!]!
}
