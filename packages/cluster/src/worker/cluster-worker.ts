import { randomBytes } from 'node:crypto'
import type { Job, Worker } from 'bullmq'
import { ThreadExecutor } from '@taskgraph/scheduler'
import { setImportReadiness, type Executor } from '@taskgraph/scheduler/internal'
import { loadBullMQ } from '../commonjs-packages.js'
import { queueReady } from '../connection.js'
import { refusedRequest } from '../redis-refusals.js'
import { ENDED_CHANNEL, PREFIX, QUEUE, followChannel, resultsKey, runKey } from '../keys.js'
import { FileStore } from '../store/file-store.js'
import { RedisStore } from '../store/redis-store.js'
import type { ResultStore } from '../store/result-store.js'
import { TieredStore } from '../store/tiered-store.js'
import type { JobData } from '../wire/job.js'
import { ActiveRuns } from './active-runs.js'
import { collectGarbage } from './collect-garbage.js'
import { defineFinishJob } from './finish-job.js'
import { HeldJobs } from './held-jobs.js'
import { JobIntake } from './job-intake.js'
import { JobProcessor } from './job-processor.js'
import { ModulePolicy } from './module-policy.js'
import {
  HAND_BACK_MS,
  WorkerConnections,
  settlesWhileConnected,
  type RedisLost,
} from './worker-connections.js'
import { defineWorkerName } from './worker-name.js'
import {
  checkWorkerOptions,
  type ClusterWorkerOptions,
  type WorkerSettings,
} from './worker-options.js'
import { WorkerPresence } from './worker-presence.js'
import { defineWorkerRecord } from './worker-record.js'

export { MIN_LEASE_MS, type ClusterWorkerOptions } from './worker-options.js'
export { MAX_STARTS } from './redelivered-job.js'

/**
 * A cluster worker: takes jobs from the queue in Redis and runs their calls on a pool of
 * worker threads. Jobs it holds are bounded (one per thread when idle, two while jobs end
 * quickly), so no worker hoards work while another idles. `taskgraph worker` is this,
 * with signal handling.
 */
export class ClusterWorker {
  readonly id = randomBytes(6).toString('base64url')
  readonly name: string
  readonly threads: number
  /** Its options, checked, with their defaults. */
  private readonly settings: WorkerSettings
  private readonly connections: WorkerConnections
  private readonly policy: ModulePolicy
  private readonly held: HeldJobs
  private readonly large: FileStore | undefined
  private worker: Worker | undefined
  private pool: ThreadExecutor
  /** Why it stopped by itself, if it did: Redis stayed away, or refused its password. */
  private lost: RedisLost | undefined
  /**
   * Settles once the worker has stopped: resolves after `close()`, rejects with a
   * `ClusterConnectionError` if it stopped by itself because its connection to Redis
   * stayed down longer than `reconnectTimeout`, or with a `ClusterUnreachableError` if
   * Redis refused its password as it reconnected.
   */
  readonly finished: Promise<void>
  /** Settles `finished`, as `lost` says: once the worker has stopped. */
  private readonly settleFinished: () => void
  /** Runs it has jobs of, and their calls on the pool. */
  private readonly runs = new ActiveRuns()
  /** How many jobs it takes at once. */
  private readonly intake: JobIntake
  private readonly jobs: JobProcessor
  /** Its claim on its name, and its record. */
  private readonly presence: WorkerPresence
  private stopping: Promise<void> | undefined

  private constructor(url: string, options: ClusterWorkerOptions, version: string) {
    const caller = 'ClusterWorker.start'
    const settings = checkWorkerOptions(caller, url, options)
    this.settings = settings
    this.name = settings.name
    this.threads = settings.threads
    let settle = (): void => {}
    this.finished = new Promise<void>((resolve, reject) => {
      settle = () => (this.lost === undefined ? resolve() : reject(this.lost))
    })
    this.settleFinished = settle
    // Rejected for a program that never looks at it: not an unhandled rejection.
    this.finished.catch(() => {})
    this.policy = new ModulePolicy(settings.root, settings.modules, settings.prepareImports)
    this.connections = new WorkerConnections(settings.url)
    const { redis } = this.connections
    const small = new RedisStore(redis, resultsKey, runKey)
    this.large = settings.store === undefined ? undefined : new FileStore(caller, settings.store)
    // For reading inputs, wherever they are; results are split by each driver's limit,
    // sent with its jobs (finish-job.ts).
    const store: ResultStore =
      this.large === undefined
        ? small
        : new TieredStore(small, this.large, Number.POSITIVE_INFINITY)
    defineFinishJob(redis)
    defineWorkerRecord(redis)
    defineWorkerName(redis)
    this.held = new HeldJobs(redis, this.id)
    this.intake = new JobIntake(this.threads)
    this.jobs = new JobProcessor({
      redis,
      id: this.id,
      name: this.name,
      policy: this.policy,
      store,
      large: this.large,
      held: this.held,
      intake: this.intake,
      runs: this.runs,
      pool: () => this.pool,
      stopping: () => this.stopping !== undefined,
    })
    this.presence = new WorkerPresence({
      redis,
      id: this.id,
      name: this.name,
      threads: this.threads,
      version,
      large: this.large,
      load: () => ({ running: this.running, waiting: this.intake.holding - this.running }),
      runs: () => this.runs.ids,
      runGone: (run) => this.stopRun(run),
    })
    this.pool = this.makePool()
  }

  /**
   * Connects to Redis (`ClusterUnreachableError` if it does not answer within seconds),
   * imports the modules it serves, starts its threads and begins taking jobs.
   */
  static async start(
    url: string,
    options: ClusterWorkerOptions = {},
    version = 'unknown',
  ): Promise<ClusterWorker> {
    const worker = new ClusterWorker(url, options, version)
    const beginning = worker.begin()
    // Redis gone for good while it starts fails the start (`finished` rejects), however
    // far the start has got; whichever settles second is not an unhandled rejection. A
    // start that fails by itself closes the worker too (`finished` resolves): its own
    // error is the one told.
    beginning.catch(() => {})
    try {
      await Promise.race([beginning, worker.finished.then(() => beginning)])
    } catch (error) {
      // What Redis's loss made fail along the way (its threads, closed) is not the cause.
      throw worker.lost ?? refusedRequest('taskgraph worker', worker.settings.url.shown, error)
    }
    return worker
  }

  private makePool(): ThreadExecutor {
    return new ThreadExecutor({
      workers: this.threads,
      preload: [...this.settings.preload],
      startTimeout: this.settings.startTimeout,
    })
  }

  private async begin(): Promise<void> {
    try {
      await this.connections.connect()
    } catch (error) {
      await this.pool.close()
      throw error
    }
    try {
      await this.serve()
    } catch (error) {
      // What it started (threads, connections, the watch, its claim on its name and its
      // heartbeat) would keep a program that embeds it alive, and its name taken.
      await this.close().catch(() => {})
      throw error
    }
  }

  /** Once connected: claims its name, starts its threads and begins taking jobs. */
  private async serve(): Promise<void> {
    // Its name is its own before anything slower starts; the claim is renewed from now on.
    await this.presence.claim()
    const { anyFile, lease, reconnectTimeout, startTimeout, url } = this.settings
    if (anyFile !== undefined) {
      process.emitWarning(
        `taskgraph worker ${this.name} serves any module of the whole file system, as a job names it: its project root is ${anyFile}, and it was given no modules. Start it in the project's root directory (the root option), or give it the modules it serves.`,
        { code: 'TASKGRAPH_CLUSTER_ANY_FILE' },
      )
    }
    this.connections.watch(this.name, reconnectTimeout, {
      stopping: () => this.stopping !== undefined,
      lose: (lost) => this.loseRedis(lost),
      back: () => this.presence.reclaim(),
    })
    // A graph a task returns is made again here, importing its modules: once the thread
    // is ready to (its own calls' modules only its pool's threads import).
    setImportReadiness(() => this.policy.prepare())
    // Redis answered (in milliseconds, or the start fails at once): the threads start now,
    // loading their modules on other cores while this one loads BullMQ. They are spawned
    // before BullMQ loads, which holds this thread (spawned after, they would start up to
    // half a second later).
    await this.pool.spawn()
    await this.policy.preloadWithin(this.name, startTimeout)
    const { Worker } = loadBullMQ()
    await Promise.all([this.pool.start(), this.presence.list()])
    // Redis lost meanwhile: the worker has stopped, nothing more is started.
    if (this.lost !== undefined) throw this.lost
    const follow = followChannel(this.id)
    const { subscriber } = this.connections
    await subscriber.subscribe(ENDED_CHANNEL, follow)
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === follow) this.held.told(message)
      else this.stopRun(message)
    })
    // Everything it runs on is loaded: what loading left goes now, not during the first jobs.
    collectGarbage()
    this.worker = new Worker(QUEUE, (job: Job<JobData>) => this.jobs.process(job), {
      connection: this.connections.queue,
      prefix: PREFIX,
      name: this.name,
      concurrency: this.threads,
      lockDuration: lease,
      stalledInterval: lostJobCheckInterval(lease),
      // Lost jobs are counted here (`MAX_STARTS`): BullMQ must not fail them first.
      maxStalledCount: 1000,
      drainDelay: 1,
    })
    this.worker.on('error', () => {})
    this.intake.attach(this.worker)
    await queueReady(this.worker, url, 'taskgraph worker')
  }

  /**
   * Stops: takes no more jobs, hands back the calls it holds (the driver sends them
   * again), ends its threads and removes its record.
   */
  close(): Promise<void> {
    this.stopping ??= (async () => {
      const { redis, queue } = this.connections
      this.presence.stop()
      // It leaves the cluster status first, before the replies that hand back its calls:
      // a driver that counts workers then sees whether any is left to take them.
      const removed = this.lost === undefined ? this.presence.release() : undefined
      const closing = this.worker?.close()
      this.held.endAll()
      this.runs.abortAll()
      // With Redis down, handing back would wait for it for ever: the calls are left to
      // their lease instead (another worker takes them once it lapses), and it stops.
      // Stopped because Redis stayed away: it is not waited for again.
      const handedBack =
        this.lost === undefined &&
        (await settlesWhileConnected(closing, [redis, queue], HAND_BACK_MS))
      await this.pool.close()
      // BullMQ's connections are dropped, not awaited: with Redis down they never end.
      // Its record is gone rather than left to expire, unless Redis went away meanwhile:
      // this connection would wait for it for ever.
      if (handedBack) await settlesWhileConnected(removed, [redis], HAND_BACK_MS)
      else void this.worker?.disconnect().catch(() => {})
      this.connections.disconnect()
      this.settleFinished()
    })()
    return this.stopping
  }

  /**
   * Its connection to Redis stayed down past `reconnectTimeout`, or Redis refused its
   * password: it stops, `finished` rejecting with `lost`.
   */
  private loseRedis(lost: RedisLost): void {
    if (this.stopping !== undefined) return
    this.lost = lost
    void this.close()
  }

  /** A driver ended a run: its calls here stop, and what it left in the shared directory goes. */
  private stopRun(run: string): void {
    // Calls already running in threads cannot be stopped one by one: the pool is replaced.
    if (this.runs.abort(run)) {
      const old = this.pool
      this.pool = this.makePool()
      void old.close()
    }
    void this.large?.clear(run).catch(() => {})
  }

  /**
   * Calls running on its threads now (begun, not ended): one a thread, unless async ones
   * overlap.
   */
  get running(): number {
    return this.runs.running
  }

  /** The pool tasks run on, for tests. */
  get executor(): Executor {
    return this.pool
  }
}

/**
 * How often a worker looks for jobs whose lease lapsed (whichever worker of the cluster
 * gets to it first). BullMQ moves a job on the first check after its lease lapsed, and
 * only if a check before saw it held: checked once per lease, a lost worker's jobs
 * would come back up to two leases after it died. A quarter lease, and at most 2 s,
 * bounds that by the lease plus 2 s, for one Redis script per interval across the
 * cluster.
 */
function lostJobCheckInterval(lease: number): number {
  return Math.min(Math.round(lease / 4), MAX_LOST_JOB_CHECK_MS)
}

const MAX_LOST_JOB_CHECK_MS = 2000
