import { TaskgraphError } from '@taskgraph/core'
import type { ErrorInit } from '@taskgraph/core/internal'

// The errors of a cluster a user can cause or meet: each with a stable code, and a
// message naming the call, the problem and the fix. Task failures on a cluster are the
// scheduler's `TaskError`s, as on any executor; these are their causes or the run's.

/** Redis could not be reached at the URL given, when a driver, worker or status call began. */
export class ClusterUnreachableError extends TaskgraphError {
  /** The URL, its password hidden. */
  readonly url: string

  constructor({ url, ...init }: ErrorInit & { url: string }) {
    super({ ...init, code: 'ERR_CLUSTER_UNREACHABLE' })
    this.url = url
  }
}
ClusterUnreachableError.prototype.name = 'ClusterUnreachableError'

/**
 * A run lost its cluster midway: the connection to Redis stayed down longer than the
 * executor waits for it, or Redis came back without the run's state (it restarted
 * without persistence).
 */
export class ClusterConnectionError extends TaskgraphError {
  constructor(init: ErrorInit) {
    super({ ...init, code: 'ERR_CLUSTER_CONNECTION' })
  }
}
ClusterConnectionError.prototype.name = 'ClusterConnectionError'

/**
 * The cluster's store refused a run's data, so the run cannot go on: Redis is full (it
 * reached its `maxmemory` and, with `noeviction`, refuses writes: `full`), Redis refused
 * a command for another reason (an ACL user without the rights), or a worker could not
 * read or write the shared directory for large results.
 */
export class ClusterStoreError extends TaskgraphError {
  /** Redis is full: it reached its `maxmemory`. */
  readonly full: boolean

  constructor({ full, ...init }: ErrorInit & { full: boolean }) {
    super({ ...init, code: 'ERR_CLUSTER_STORE' })
    this.full = full
  }
}
ClusterStoreError.prototype.name = 'ClusterStoreError'

/**
 * A worker refused a task's function: its module is outside the worker's project root or
 * not among the modules it serves, or the worker's copy of it is not the driver's.
 */
export class ModuleRefusedError extends TaskgraphError {
  /** The module, as a path relative to the project root. */
  readonly module: string
  /** The name of the worker that refused it. */
  readonly worker: string

  constructor({ module, worker, ...init }: ErrorInit & { module: string; worker: string }) {
    super({ ...init, code: 'ERR_MODULE_REFUSED' })
    this.module = module
    this.worker = worker
  }
}
ModuleRefusedError.prototype.name = 'ModuleRefusedError'

/**
 * A worker's name is held by another live worker of the cluster: `taskgraph cluster
 * status` would list both under it, and errors naming it would not say which.
 */
export class WorkerNameInUseError extends TaskgraphError {
  /** The name asked for. */
  readonly worker: string
  /** The host of the worker that holds it. */
  readonly host: string
  /** The process id of the worker that holds it, on its host. */
  readonly pid: number

  constructor({
    worker,
    host,
    pid,
    ...init
  }: ErrorInit & { worker: string; host: string; pid: number }) {
    super({ ...init, code: 'ERR_WORKER_NAME_IN_USE' })
    this.worker = worker
    this.host = host
    this.pid = pid
  }
}
WorkerNameInUseError.prototype.name = 'WorkerNameInUseError'

/** A task's result is larger than the Redis store takes, and no large store is configured. */
export class ResultTooLargeError extends TaskgraphError {
  readonly bytes: number
  readonly limit: number

  constructor({ bytes, limit, ...init }: ErrorInit & { bytes: number; limit: number }) {
    super({ ...init, code: 'ERR_RESULT_TOO_LARGE' })
    this.bytes = bytes
    this.limit = limit
  }
}
ResultTooLargeError.prototype.name = 'ResultTooLargeError'

/**
 * A cluster worker failed in taskgraph's own code while it ran a task's job: neither the
 * task nor the store was at fault, so this is a bug of taskgraph. The worker's error,
 * with its stack, is `cause`.
 */
export class ClusterInternalError extends TaskgraphError {
  /** The name of the worker that failed. */
  readonly worker: string
  /** The key of the task whose job it was running. */
  readonly key: string

  constructor({ worker, key, ...init }: ErrorInit & { worker: string; key: string }) {
    super({ ...init, code: 'ERR_CLUSTER_INTERNAL' })
    this.worker = worker
    this.key = key
  }
}
ClusterInternalError.prototype.name = 'ClusterInternalError'

// This package's codes, among those of `TaskgraphError#code` (see `TaskgraphErrorCodes`).
declare module '@taskgraph/core' {
  interface TaskgraphErrorCodes {
    ERR_CLUSTER_UNREACHABLE: ClusterUnreachableError
    ERR_CLUSTER_CONNECTION: ClusterConnectionError
    ERR_CLUSTER_STORE: ClusterStoreError
    ERR_MODULE_REFUSED: ModuleRefusedError
    ERR_WORKER_NAME_IN_USE: WorkerNameInUseError
    ERR_RESULT_TOO_LARGE: ResultTooLargeError
    ERR_CLUSTER_INTERNAL: ClusterInternalError
  }
}
