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

/** The cluster's Redis URL for `command`: from `--cluster`, else TASKGRAPH_CLUSTER; checked. */
export function clusterUrl(
  command: string,
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  required: boolean,
): string | undefined {
  const url = flag ?? envValue(env, CLUSTER_VARIABLES.cluster)
  if (url === undefined) {
    if (!required) return undefined
    throw new InvalidOptionError({
      message: `${command}: give the cluster's Redis URL with --cluster redis://host:6379 (or set ${CLUSTER_VARIABLES.cluster}).`,
    })
  }
  const from = flag === undefined ? `${CLUSTER_VARIABLES.cluster}=${url}` : `--cluster ${url}`
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
  return url
}

/** The shared directory for large results: `--store`, else TASKGRAPH_STORE; a file:// URL. */
export function storeUrl(
  command: string,
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
): string | undefined {
  const url = flag ?? envValue(env, CLUSTER_VARIABLES.store)
  if (url === undefined) return undefined
  if (!url.startsWith('file://')) {
    const from = flag === undefined ? `${CLUSTER_VARIABLES.store}=${url}` : `--store ${url}`
    throw new InvalidOptionError({
      message: `${command}: ${from} is not a file:// URL; give the directory every machine mounts, e.g. file:///mnt/shared/taskgraph.`,
    })
  }
  return url
}
