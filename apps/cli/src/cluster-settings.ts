// Where `taskgraph run --cluster`, `taskgraph worker` and `taskgraph cluster status` find
// their cluster: the flag, else its variable. Checked here, so that a wrong URL is a usage
// error (exit 2) before anything connects.
import { InvalidOptionError } from '@taskgraph/core'
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
    checkRedisUrl(command, variable, `${CLUSTER_VARIABLES.cluster}=${variable}`)
  if (flag !== undefined) checkRedisUrl(command, flag, `--cluster ${flag}`)
  const url = flag ?? variable
  if (url === undefined && required) {
    throw new InvalidOptionError({
      message: `${command}: give the cluster's Redis URL with --cluster redis://host:6379 (or set ${CLUSTER_VARIABLES.cluster}).`,
    })
  }
  return url
}

function checkRedisUrl(command: string, url: string, from: string): void {
  let parsed: URL | undefined
  try {
    parsed = new URL(url)
  } catch {
    parsed = undefined
  }
  // The path is the database's number, if any: ioredis would send anything else to
  // SELECT as NaN, and fail outside the connection's checks.
  if (
    parsed === undefined ||
    (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') ||
    !/^\/?\d*$/.test(parsed.pathname)
  ) {
    throw new InvalidOptionError({
      message: `${command}: ${from} is not a Redis URL; give redis://host:6379, rediss://host:6380 for TLS, or redis://user:password@host:6379/0.`,
    })
  }
}

/**
 * The shared directory for large results: `--store`, else TASKGRAPH_STORE; a file:// URL,
 * the variable checked even when the flag overrides it.
 */
export function storeUrl(
  command: string,
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
): string | undefined {
  const variable = envValue(env, CLUSTER_VARIABLES.store)
  if (variable !== undefined)
    checkStoreUrl(command, variable, `${CLUSTER_VARIABLES.store}=${variable}`)
  if (flag !== undefined) checkStoreUrl(command, flag, `--store ${flag}`)
  return flag ?? variable
}

function checkStoreUrl(command: string, url: string, from: string): void {
  if (!url.startsWith('file://')) {
    throw new InvalidOptionError({
      message: `${command}: ${from} is not a file:// URL; give the directory every machine mounts, e.g. file:///mnt/shared/taskgraph.`,
    })
  }
}
