import { connect, openRedis, parseClusterUrl } from './connection.js'
import { listWorkers, type WorkerInfo } from './driver/worker-registry.js'
import { refusedRequest } from './redis-refusals.js'

/**
 * The live workers of the cluster at `url`: name, host, pid, threads, tasks running on
 * them and waiting in them, and their taskgraph and Node versions. Rejects with
 * `ClusterUnreachableError` if Redis does not answer within seconds, and with
 * `ClusterStoreError` if it refuses the request (a user without the rights).
 */
export async function clusterStatus(
  url: string,
  /** The call its errors name. */
  caller = 'clusterStatus',
): Promise<WorkerInfo[]> {
  const checked = parseClusterUrl('clusterStatus', url)
  const redis = openRedis(checked)
  redis.on('error', () => {})
  try {
    await connect(redis, checked, caller)
    return await listWorkers(redis).catch((error: unknown) => {
      throw refusedRequest(caller, checked.shown, error)
    })
  } finally {
    redis.disconnect()
  }
}
