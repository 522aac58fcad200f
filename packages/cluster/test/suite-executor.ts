// The cluster as the executor of the scheduler's behavioural suites (behaviour.test.ts and
// random-dags.test.ts), which vitest.suites.config.ts runs with TASKGRAPH_TEST_EXECUTOR
// naming this module: see the scheduler's test/external-executor.ts.
import { fileURLToPath } from 'node:url'
import { ClusterExecutor } from '@taskgraph/cluster'
import type { ExternalExecutor } from '../../scheduler/test/external-executor.js'
import { startWorkers, stopWorkers, type WorkerProcess } from './cluster-workers.js'
import { startRedis } from './redis-server.js'

/**
 * The repository: the project root of the driver and of the workers, so that workers
 * import the scheduler's fixture modules by their path inside it.
 */
const REPOSITORY = fileURLToPath(new URL('../../..', import.meta.url))

/**
 * A redis-server of the test file's own, and a driver on it; two `taskgraph worker`
 * processes start with `start`, once the file has set the environment its fixtures read.
 */
export default async function clusterForSuites(): Promise<ExternalExecutor> {
  const redis = await startRedis()
  const executor = new ClusterExecutor(redis.url, { root: REPOSITORY })
  let workers: WorkerProcess[] = []
  return {
    name: 'cluster',
    executor,
    runsInWorkers: true,
    fallbackWarning: 'TASKGRAPH_CLUSTER_UNREACHABLE_FUNCTION',
    async start() {
      workers = await startWorkers(redis.url, 2, 'suite', { cwd: REPOSITORY })
      await executor.start()
    },
    async stop() {
      await executor.close()
      await stopWorkers(workers)
      await redis.stop()
    },
  }
}
