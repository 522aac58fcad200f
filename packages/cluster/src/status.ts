import { connect, openRedis, parseClusterUrl } from './connection.js'
import { listWorkers, type WorkerInfo } from './driver/worker-registry.js'

/**
 * The live workers of the cluster at `url`: name, host, pid, threads, tasks running on
 * them and waiting in them, and their taskgraph and Node versions. Rejects with
 * `ClusterUnreachableError` if Redis does not answer within seconds.
 */
export async function clusterStatus(
  url: string,
  /** The call its errors name. */
  caller = 'taskgraph cluster status',
): Promise<WorkerInfo[]> {
  const checked = parseClusterUrl('clusterStatus', url)
  const redis = openRedis(checked)
  redis.on('error', () => {})
  try {
    await connect(redis, checked, caller)
    return await listWorkers(redis)
  } finally {
    redis.disconnect()
  }
}
