// Where `taskgraph run --cluster`, `taskgraph worker` and `taskgraph cluster status` find
// their cluster: the flag, else its variable. Checked here, so that a wrong URL is a usage
// error (exit 2) before anything connects.
import { statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { InvalidOptionError } from '@taskgraph/core'
import { checkRedisUrl } from '@taskgraph/core/internal'
import { envValue } from '@taskgraph/scheduler/internal'

/** The variables of the cluster flags. */
export const CLUSTER_VARIABLES = {
  cluster: 'TASKGRAPH_CLUSTER',
  store: 'TASKGRAPH_STORE',
} as const

/** The variable of `taskgraph run --cache` and `taskgraph cache`. */
export const CACHE_VARIABLE = 'TASKGRAPH_CACHE'

/**
 * The cluster's Redis URL for `command`: from `--cluster`, else TASKGRAPH_CLUSTER;
 * checked, the variable even when the flag overrides it (as every TASKGRAPH_* variable is).
 */
export function clusterUrl(
  command: string,
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  required: boolean,
): string | undefined {
  const variable = envValue(env, CLUSTER_VARIABLES.cluster)
  if (variable !== undefined)
    checkClusterUrl(command, variable, `${CLUSTER_VARIABLES.cluster}=${variable}`)
  if (flag !== undefined) checkClusterUrl(command, flag, `--cluster ${flag}`)
  const url = flag ?? variable
  if (url === undefined && required) {
    throw new InvalidOptionError({
      message: `${command}: give the cluster's Redis URL with --cluster redis://host:6379 (or set ${CLUSTER_VARIABLES.cluster}).`,
    })
  }
  return url
}

function checkClusterUrl(command: string, url: string, from: string): void {
  refuseEmpty(command, url, from, 'the Redis URL, such as redis://host:6379')
  const checked = checkRedisUrl(url)
  if (checked.href !== undefined) return
  // `from` ends with the URL: shown without its password.
  const shown = from.slice(0, from.length - url.length) + checked.shown
  throw new InvalidOptionError({
    message: checked.unixSocket
      ? `${command}: ${shown} names a Unix socket; workers on other machines cannot reach one, and taskgraph connects to Redis over TCP: give redis://host:6379 (redis://127.0.0.1:6379 for a Redis on this machine).`
      : `${command}: ${shown} is not a Redis URL; give redis://host:6379, rediss://host:6380 for TLS, or redis://user:password@host:6379/0, with nothing after ?.`,
  })
}

/**
 * The shared directory for large results: `--store`, else TASKGRAPH_STORE; a file:// URL,
 * the variable checked even when the flag overrides it. If `used` (a worker, a run on a
 * cluster), the directory it names must be there.
 */
export function storeUrl(
  command: string,
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  used: boolean,
): string | undefined {
  const variable = envValue(env, CLUSTER_VARIABLES.store)
  if (variable !== undefined)
    checkStoreUrl(command, variable, `${CLUSTER_VARIABLES.store}=${variable}`)
  if (flag !== undefined) checkStoreUrl(command, flag, `--store ${flag}`)
  const url = flag ?? variable
  if (used && url !== undefined) {
    checkStoreDirectory(
      command,
      url,
      flag === undefined ? `${CLUSTER_VARIABLES.store}=${url}` : `--store ${url}`,
    )
  }
  return url
}

/**
 * Refuses a store whose directory is not there: every machine mounts it, so a missing one
 * is a typo or a mount that failed, which making it would hide until a result written
 * there went missing on another machine.
 */
function checkStoreDirectory(command: string, url: string, from: string): void {
  let path: string
  try {
    path = fileURLToPath(url)
  } catch (error) {
    throw new InvalidOptionError({
      message: `${command}: ${from} is not a file:// URL of this machine (${(error as Error).message}); give the directory every machine mounts, e.g. file:///mnt/shared/taskgraph.`,
    })
  }
  let problem: string | undefined
  try {
    if (!statSync(path).isDirectory()) problem = 'is not a directory'
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    problem = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(error)})`
  }
  if (problem === undefined) return
  throw new InvalidOptionError({
    message: `${command}: ${from} names ${path}, which ${problem}; give the directory every machine mounts, mounted or made before the driver and the workers start.`,
  })
}

function checkStoreUrl(command: string, url: string, from: string): void {
  refuseEmpty(
    command,
    url,
    from,
    'the directory every machine mounts, e.g. file:///mnt/shared/taskgraph',
  )
  if (!url.startsWith('file://')) {
    throw new InvalidOptionError({
      message: `${command}: ${from} is not a file:// URL; give the directory every machine mounts, e.g. file:///mnt/shared/taskgraph.`,
    })
  }
}

/** An empty flag (`--store=`) is named as such, not shown as a value of nothing. */
function refuseEmpty(command: string, url: string, from: string, give: string): void {
  if (url.trim() !== '') return
  throw new InvalidOptionError({
    message: `${command}: ${from.slice(0, from.length - url.length).trimEnd()} is empty; give ${give}.`,
  })
}
