// The public API of @taskgraph/cluster: running graphs on many machines, on BullMQ and
// Redis. A package of its own, so that users of the local executors never install a
// Redis client.

export { ClusterExecutor } from './driver/cluster-executor.js'
export type { ClusterOptions } from './cluster-options.js'
export { ClusterWorker, type ClusterWorkerOptions } from './worker/cluster-worker.js'
export { clusterStatus } from './status.js'
export type { WorkerInfo } from './driver/worker-registry.js'
export {
  ClusterConnectionError,
  ClusterInternalError,
  ClusterStoreError,
  ClusterUnreachableError,
  ModuleRefusedError,
  ResultTooLargeError,
  WorkerNameInUseError,
} from './errors.js'
// For a persistent cache, or a store of one's own.
export type { ResultStore, StoreEntry } from './store/result-store.js'
export { FileStore } from './store/file-store.js'
export { RedisStore } from './store/redis-store.js'
export { TieredStore } from './store/tiered-store.js'
