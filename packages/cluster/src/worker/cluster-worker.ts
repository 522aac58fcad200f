import { randomBytes } from 'node:crypto'
import { availableParallelism, hostname } from 'node:os'
import { dirname, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Job, Worker } from 'bullmq'
import type { Redis } from 'ioredis'
import { InvalidOptionError } from '@taskgraph/core'
import { checkOptionNames, describeValue } from '@taskgraph/core/internal'
import { ThreadExecutor } from '@taskgraph/scheduler'
import {
  checkStartTimeout,
  DEFAULT_START_TIMEOUT_MS,
  setImportReadiness,
  type Executor,
} from '@taskgraph/scheduler/internal'
import { marksOf } from '@taskgraph/scheduler/wire'
import { loadBullMQ } from '../commonjs-packages.js'
import {
  CONNECT_TIMEOUT_MS,
  connect,
  openRedis,
  parseClusterUrl,
  passwordRefused,
  queueReady,
  type ClusterUrl,
} from '../connection.js'
import { watchConnection } from '../connection-watch.js'
import { checkPath } from '../cluster-options.js'
import {
  ClusterConnectionError,
  ModuleRefusedError,
  type ClusterUnreachableError,
} from '../errors.js'
import { refusedRequest } from '../redis-refusals.js'
import {
  ENDED_CHANNEL,
  PREFIX,
  QUEUE,
  RUNS,
  followChannel,
  resultsKey,
  runKey,
  workerKey,
} from '../keys.js'
import { FileStore } from '../store/file-store.js'
import { RedisStore } from '../store/redis-store.js'
import type { ResultStore, StoreEntry } from '../store/result-store.js'
import { TieredStore } from '../store/tiered-store.js'
import {
  checkedBatch,
  packReply,
  type CallOutcome,
  type JobBatch,
  type JobData,
} from '../wire/job.js'
import { jobFault } from '../wire/faults.js'
import { HOLD_FOR_MS } from '../wire/holds.js'
import { markerProperty } from '../wire/stored-values.js'
import { defineFinishJob, finishJob } from './finish-job.js'
import { HeldJobs } from './held-jobs.js'
import { ModulePolicy } from './module-policy.js'
import { runJob, sendable } from './run-job.js'
import { StepNotices } from './step-notices.js'
import { claimName, defineWorkerName, releaseName, renewName } from './worker-name.js'
import { defineWorkerRecord, writeWorkerRecord } from './worker-record.js'

/** This machine, as task records name it. */
const HOST = hostname()

/** Options of `ClusterWorker.start`, and of `taskgraph worker`. */
export interface ClusterWorkerOptions {
  /** Worker threads that run tasks. @default os.availableParallelism() */
  threads?: number
  /**
   * The name `taskgraph cluster status` and errors show: 1 to 100 characters, no spaces
   * or control characters (`start` throws `InvalidOptionError` for any other), and one
   * no other live worker of the cluster holds (`start` rejects with
   * `WorkerNameInUseError`).
   * @default `<host>-<pid>`, then `<host>-<pid>-2`... for more workers of the process
   */
  name?: string
  /**
   * The modules it serves (paths): it imports them at start and runs only their task
   * functions and those of the modules they load. @default any module of the root
   */
  modules?: readonly string[]
  /** The project's root: jobs name modules by their path inside it. @default process.cwd() */
  root?: string
  /** The shared directory for large results, a `file://` URL (the driver's `store`). */
  store?: string
  /**
   * Milliseconds a job's lease lasts: a worker that dies holding jobs has them run again
   * elsewhere once it lapses (the worker renews it every half, from its event loop,
   * which tasks never hold: they run in its threads).
   * @default 30000
   */
  lease?: number
  /**
   * Milliseconds it waits for a dropped connection to Redis to come back: then it stops
   * (`finished` rejects with a `ClusterConnectionError`), rather than wait for a Redis
   * that may be gone for good. `0` waits for ever.
   * @default 30000
   */
  reconnectTimeout?: number
  /**
   * Milliseconds the modules it serves, imported at start here and in its threads, may
   * take: then the start fails (a `ModuleRefusedError` naming the module), rather than
   * wait for ever for a module whose top-level code never finishes.
   * @default 60000
   */
  startTimeout?: number
  /** Modules each of its threads imports first (the pool executors' `preload`). */
  preload?: readonly string[]
  /**
   * Readies this thread to import modules (a CLI registers its TypeScript loader here),
   * once, before its first import: at start when `modules` are given (it imports them),
   * else when a task returns a graph (this thread makes it again, importing its
   * modules). Tasks' modules are imported by the worker's threads only: calls never
   * wait for it.
   */
  prepareImports?: () => Promise<void>
}

/** A job that ran in less than this ends quickly: the worker then takes a second per thread. */
const QUICK_JOB_MS = 20

/**
 * The shortest lease a worker takes: one renewed every half-lease must outlast a loaded
 * machine's pauses and Redis's round trips, or live workers' jobs run twice.
 */
export const MIN_LEASE_MS = 1000

/** How often a worker renews its record, and sweeps what dead drivers' runs left. */
const HEARTBEAT_MS = 2000
/** How long a worker's record, and its claim on its name, outlive its last heartbeat. */
const RECORD_TTL_MS = 3 * HEARTBEAT_MS
const SWEEP_EVERY = 5
/** How long a call runs before the driver is told it began (see `announceStart`). */
const START_NOTICE_MS = 20
/** How long a stopping worker waits for Redis to come back to hand back its calls. */
const HAND_BACK_MS = CONNECT_TIMEOUT_MS
/** A lost worker's jobs may be started this many times in all before their task is failed. */
export const MAX_STARTS = 3

const NAMES = [
  'threads',
  'name',
  'modules',
  'root',
  'store',
  'lease',
  'reconnectTimeout',
  'startTimeout',
  'preload',
  'prepareImports',
]
/** The longest delay a Node timer takes, about 24.8 days. */
const MAX_TIMER_MS = 2 ** 31 - 1
/** How long a worker waits for a dropped connection to Redis by default: as a driver. */
const DEFAULT_RECONNECT_TIMEOUT_MS = 30_000

/** Workers of this process given no name: each gets one of its own. */
let unnamed = 0

function defaultName(): string {
  const name = `${hostname()}-${process.pid}`
  return ++unnamed === 1 ? name : `${name}-${unnamed}`
}

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
  private readonly url: ClusterUrl
  private readonly redis: Redis
  private readonly subscriber: Redis
  /** BullMQ's: its commands do not wait behind the worker's own, nor theirs. */
  private readonly queueConnection: Redis
  private readonly policy: ModulePolicy
  private readonly store: ResultStore
  private readonly largeStore: boolean
  private readonly held: HeldJobs
  private readonly large: FileStore | undefined
  private worker: Worker | undefined
  private pool: ThreadExecutor
  private readonly preload: readonly string[]
  private readonly lease: number
  private readonly reconnectTimeout: number
  private readonly startTimeout: number
  /** Why it stopped by itself, if it did: Redis stayed away, or refused its password. */
  private lost: ClusterConnectionError | ClusterUnreachableError | undefined
  /**
   * Settles once the worker has stopped: resolves after `close()`, rejects with a
   * `ClusterConnectionError` if it stopped by itself because its connection to Redis
   * stayed down longer than `reconnectTimeout`, or with a `ClusterUnreachableError` if
   * Redis refused its password as it reconnected.
   */
  readonly finished: Promise<void>
  /** Settles `finished`, as `lost` says: once the worker has stopped. */
  private readonly settleFinished: () => void
  /** Jobs being run, by run: aborting one stops its calls. */
  private readonly active = new Map<string, Set<AbortController>>()
  /**
   * Calls running on the pool now (begun, not ended), by run: a run that ends with some
   * has its pool replaced, as they cannot be stopped one by one. A job held open after
   * its calls ended has none.
   */
  private readonly begun = new Map<string, CallsOnPool>()
  /** Starts not yet told (call id: when it began), by driver and run. */
  private readonly starts = new Map<string, Map<number, number>>()
  /** Calls of the jobs it holds, running or waiting for a thread. */
  private holding = 0
  /** Long batches running (see `JobBatch.long`). */
  private long = 0
  /** Jobs it holds (running, waiting for a thread, or held open). */
  private jobs = 0
  /**
   * Whether it takes a second job per thread, to have it ready when the first ends: only
   * while the jobs it runs end quickly. An idle worker takes one a thread, so that jobs
   * that come together (two long tasks) spread over idle workers.
   */
  private prefetch = false
  private timer: NodeJS.Timeout | undefined
  private beats = 0
  /** The warning last given that another worker holds its name: given once per holder. */
  private nameWarning: string | undefined
  /** Whether its record is written: from when its threads start, as it gets ready. */
  private listed = false
  private stopping: Promise<void> | undefined
  private readonly since = Date.now()
  private readonly version: string
  /** The root of the file system, if it is its project root and it has no modules. */
  private readonly anyFile: string | undefined

  private constructor(url: string, options: ClusterWorkerOptions, version: string) {
    const caller = 'ClusterWorker.start'
    checkOptionNames(caller, options, NAMES)
    this.url = parseClusterUrl(caller, url)
    this.threads = options.threads ?? availableParallelism()
    this.lease = options.lease ?? 30_000
    for (const [name, value] of [
      ['threads', this.threads],
      ['lease', this.lease],
    ] as const) {
      if (!Number.isSafeInteger(value) || value < 1) {
        throw new InvalidOptionError({
          message: `${caller}: option ${name} must be a positive whole number, not ${describeValue(value)}.`,
        })
      }
    }
    if (this.lease < MIN_LEASE_MS) {
      throw new InvalidOptionError({
        message: `${caller}: option lease must be at least ${MIN_LEASE_MS} ms, not ${this.lease}: a lease that lapses before the worker renews it (every half-lease, a Redis round trip away) has its jobs run again while it runs them. Give a lease of seconds (the default is 30000).`,
      })
    }
    this.reconnectTimeout = options.reconnectTimeout ?? DEFAULT_RECONNECT_TIMEOUT_MS
    if (
      !Number.isSafeInteger(this.reconnectTimeout) ||
      this.reconnectTimeout < 0 ||
      this.reconnectTimeout > MAX_TIMER_MS
    ) {
      throw new InvalidOptionError({
        message: `${caller}: option reconnectTimeout must be a whole number of milliseconds from 0 (wait for ever) to ${MAX_TIMER_MS}, not ${describeValue(options.reconnectTimeout)}.`,
      })
    }
    this.startTimeout =
      options.startTimeout === undefined
        ? DEFAULT_START_TIMEOUT_MS
        : checkStartTimeout(caller, options.startTimeout)
    let settle = (): void => {}
    this.finished = new Promise<void>((resolve, reject) => {
      settle = () => (this.lost === undefined ? resolve() : reject(this.lost))
    })
    this.settleFinished = settle
    // Rejected for a program that never looks at it: not an unhandled rejection.
    this.finished.catch(() => {})
    if (options.prepareImports !== undefined && typeof options.prepareImports !== 'function') {
      throw new InvalidOptionError({
        message: `${caller}: option prepareImports must be a function returning a promise, not ${describeValue(options.prepareImports)}.`,
      })
    }
    checkPath(caller, 'root', options.root)
    checkPath(caller, 'store', options.store)
    for (const name of ['modules', 'preload'] as const) {
      const paths: unknown = options[name]
      if (paths === undefined) continue
      if (!Array.isArray(paths)) {
        throw new InvalidOptionError({
          message: `${caller}: option ${name} must be an array of paths, not ${describeValue(paths)}.`,
        })
      }
      for (const path of paths) checkPath(caller, `${name}[]`, path)
    }
    this.name = options.name ?? defaultName()
    // Status lists, task records and errors show it, a word among others.
    if (typeof this.name !== 'string' || !/^[\x21-\x7e\u00a1-\uffff]{1,100}$/.test(this.name)) {
      throw new InvalidOptionError({
        message: `${caller}: option name must be 1 to 100 characters with no spaces or control characters, not ${describeValue(options.name)}. Give a name such as gpu-box-1, or leave it out for <host>-<pid>.`,
      })
    }
    this.version = version
    const root = resolve(options.root ?? process.cwd())
    this.anyFile = options.modules === undefined && dirname(root) === root ? root : undefined
    this.policy = new ModulePolicy(
      root,
      options.modules?.map((module) => pathToFileURL(resolve(root, module)).href),
      options.prepareImports,
    )
    this.redis = openRedis(this.url, { blocking: true })
    this.subscriber = openRedis(this.url, { blocking: true })
    this.redis.on('error', () => {})
    this.subscriber.on('error', () => {})
    this.queueConnection = this.redis.duplicate()
    this.queueConnection.on('error', () => {})
    const small = new RedisStore(this.redis, resultsKey, runKey)
    this.large = options.store === undefined ? undefined : new FileStore(caller, options.store)
    this.largeStore = this.large !== undefined
    // For reading inputs, wherever they are; results are split by each driver's limit,
    // sent with its jobs (finish-job.ts).
    this.store =
      this.large === undefined
        ? small
        : new TieredStore(small, this.large, Number.POSITIVE_INFINITY)
    defineFinishJob(this.redis)
    defineWorkerRecord(this.redis)
    defineWorkerName(this.redis)
    this.held = new HeldJobs(this.redis, this.id)
    this.preload = options.preload ?? []
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
      throw worker.lost ?? refusedRequest('taskgraph worker', worker.url.shown, error)
    }
    return worker
  }

  private makePool(): ThreadExecutor {
    return new ThreadExecutor({
      workers: this.threads,
      preload: [...this.preload],
      startTimeout: this.startTimeout,
    })
  }

  private async begin(): Promise<void> {
    try {
      await Promise.all([
        connect(this.redis, this.url, 'taskgraph worker'),
        connect(this.subscriber, this.url, 'taskgraph worker'),
        // BullMQ's, connected here as the others are: a password Redis does not need is
        // left out of it, and of the connections BullMQ makes from it.
        connect(this.queueConnection, this.url, 'taskgraph worker'),
      ])
    } catch (error) {
      // One refused (Redis at its maxclients, say) while others got in: those would keep
      // a program that embeds the worker alive, with no worker to close.
      for (const redis of [this.redis, this.subscriber, this.queueConnection]) redis.disconnect()
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
    await claimName(this.redis, this.name, this.id, RECORD_TTL_MS)
    this.timer = setInterval(() => void this.heartbeat(), HEARTBEAT_MS)
    if (this.anyFile !== undefined) {
      process.emitWarning(
        `taskgraph worker ${this.name} serves any module of the whole file system, as a job names it: its project root is ${this.anyFile}, and it was given no modules. Start it in the project's root directory (the root option), or give it the modules it serves.`,
        { code: 'TASKGRAPH_CLUSTER_ANY_FILE' },
      )
    }
    // From now on a Redis that stays away stops the worker: it would otherwise retry for
    // ever, a process nobody may be watching. Whoever watches it hears of the wait.
    let droppedAt = 0
    watchConnection(this.redis, this.url, this.reconnectTimeout || MAX_TIMER_MS, {
      dropped: () => {
        if (this.stopping !== undefined) return
        droppedAt = performance.now()
        const until =
          this.reconnectTimeout > 0
            ? `it stops if Redis stays away ${this.reconnectTimeout} ms (--reconnect-timeout)`
            : 'it waits for ever (--reconnect-timeout 0)'
        this.tell(`lost its connection to Redis at ${this.url.shown}: reconnecting; ${until}`)
      },
      back: () => {
        if (this.stopping !== undefined) return
        const seconds = ((performance.now() - droppedAt) / 1000).toFixed(1)
        this.tell(`connected to Redis at ${this.url.shown} again, after ${seconds} s`)
      },
      lost: () => {
        if (this.reconnectTimeout > 0) {
          this.loseRedis(
            new ClusterConnectionError({
              message: `taskgraph worker ${this.name}: the connection to Redis at ${this.url.shown} has been down for ${this.reconnectTimeout} ms, so it stopped. Check that Redis is up and reachable, then start the worker again (reconnectTimeout, --reconnect-timeout, sets the wait; 0 waits for ever).`,
            }),
          )
        }
      },
      // Waiting would not bring it back, however long: it stops now, and says why.
      refused: (error) =>
        this.loseRedis(passwordRefused(`taskgraph worker ${this.name}`, this.url, error)),
    })
    // A graph a task returns is made again here, importing its modules: once the thread
    // is ready to (its own calls' modules only its pool's threads import).
    setImportReadiness(() => this.policy.prepare())
    // Redis answered (in milliseconds, or the start fails at once): the threads start now,
    // loading their modules on other cores while this one loads BullMQ. They are spawned
    // before BullMQ loads, which holds this thread (spawned after, they would start up to
    // half a second later).
    await this.pool.spawn()
    await this.preloadInTime()
    const { Worker } = loadBullMQ()
    this.listed = true
    await Promise.all([this.pool.start(), this.heartbeat()])
    // Redis lost meanwhile: the worker has stopped, nothing more is started.
    if (this.lost !== undefined) throw this.lost
    const follow = followChannel(this.id)
    await this.subscriber.subscribe(ENDED_CHANNEL, follow)
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === follow) this.held.told(message)
      else this.stopRun(message)
    })
    this.worker = new Worker(QUEUE, (job: Job<JobData>) => this.process(job), {
      connection: this.queueConnection,
      prefix: PREFIX,
      name: this.name,
      concurrency: this.threads,
      lockDuration: this.lease,
      stalledInterval: this.lease,
      // Lost jobs are counted here (`MAX_STARTS`): BullMQ must not fail them first.
      maxStalledCount: 1000,
      drainDelay: 1,
    })
    this.worker.on('error', () => {})
    await queueReady(this.worker, this.url, 'taskgraph worker')
  }

  /**
   * Stops: takes no more jobs, hands back the calls it holds (the driver sends them
   * again), ends its threads and removes its record.
   */
  close(): Promise<void> {
    this.stopping ??= (async () => {
      clearInterval(this.timer)
      // It leaves the cluster status first, before the replies that hand back its calls:
      // a driver that counts workers then sees whether any is left to take them.
      const removed =
        this.lost === undefined
          ? releaseName(this.redis, this.name, this.id).catch(() => {})
          : undefined
      const closing = this.worker?.close()
      this.held.endAll()
      for (const jobs of this.active.values()) for (const job of jobs) job.abort()
      // With Redis down, handing back would wait for it for ever: the calls are left to
      // their lease instead (another worker takes them once it lapses), and it stops.
      // Stopped because Redis stayed away: it is not waited for again.
      const handedBack =
        this.lost === undefined &&
        (await settlesWhileConnected(closing, [this.redis, this.queueConnection], HAND_BACK_MS))
      await this.pool.close()
      // BullMQ's connections are dropped, not awaited: with Redis down they never end.
      // Its record is gone rather than left to expire, unless Redis went away meanwhile:
      // this connection would wait for it for ever.
      if (handedBack) await settlesWhileConnected(removed, [this.redis], HAND_BACK_MS)
      else void this.worker?.disconnect().catch(() => {})
      // BullMQ does not close a connection it was given: without this, a program that
      // embeds a worker would never exit.
      this.queueConnection.disconnect()
      this.subscriber.disconnect()
      this.redis.disconnect()
      this.settleFinished()
    })()
    return this.stopping
  }

  /**
   * Its connection to Redis stayed down past `reconnectTimeout`, or Redis refused its
   * password: it stops, `finished` rejecting with `lost`.
   */
  private loseRedis(lost: ClusterConnectionError | ClusterUnreachableError): void {
    if (this.stopping !== undefined) return
    this.lost = lost
    void this.close()
  }

  private async process(job: Job<JobData>): Promise<void> {
    const data = job.data
    let batch: JobBatch
    try {
      batch = checkedBatch(data)
    } catch (error) {
      // Not a job a driver made: nobody to answer. Anyone who can write to Redis can
      // write one, so it is dropped, never acted on.
      this.dropped(job.id, error)
      return
    }
    // Whether its run is still on, asked while the job gets ready.
    const open = this.redis.exists(runKey(data.run)).then((exists) => exists === 1)
    try {
      if (job.stalledCounter > 0 && (await open) && (await this.redelivered(job, data, batch))) {
        return
      }
    } catch (error) {
      await this.failCalls(data, batch, error)
      return
    }
    const controller = new AbortController()
    this.jobs++
    let jobs = this.active.get(data.run)
    if (jobs === undefined) this.active.set(data.run, (jobs = new Set()))
    jobs.add(controller)
    try {
      await this.runHeld(job, data, batch, open, controller.signal)
    } finally {
      // Idle again: the next jobs may come together, and go to other workers too.
      if (--this.jobs === 0 && this.prefetch) {
        this.prefetch = false
        this.takeJobs()
      }
      jobs.delete(controller)
      if (jobs.size === 0) {
        this.active.delete(data.run)
        this.begun.delete(data.run)
      }
    }
  }

  /**
   * A job whose worker was lost. A batch goes again one call per job, so that only the
   * call at fault is charged; a call that lost its worker MAX_STARTS times fails, rather
   * than kill workers for ever. A chain whose steps' results the driver wants goes back
   * to it too: those stored before the loss need not run again. The driver is told in
   * any case, so that the calls it sent to the job while the lost worker held it go
   * again. `true` if that is all.
   */
  private async redelivered(job: Job<JobData>, data: JobData, batch: JobBatch): Promise<boolean> {
    const lost = data.lost + job.stalledCounter
    const wanted = batch.calls[0]?.wanted !== undefined
    const outcomes: CallOutcome[] =
      batch.calls.length > 1 || (wanted && lost < MAX_STARTS)
        ? batch.calls.map((call) => ({ id: call.id, handedBack: 'lost' }))
        : lost >= MAX_STARTS
          ? batch.calls.map((call) => ({
              id: call.id,
              ok: false,
              fault: {
                kind: 'lost',
                detail: `the cluster worker running it was lost ${lost} times (each time a process ended or was killed while it ran)`,
              },
            }))
          : []
    await finishJob(
      this.redis,
      undefined,
      data,
      [],
      packReply({ worker: this.name, outcomes, redelivered: { run: data.run, job: job.id! } }),
    )
    return outcomes.length > 0
  }

  /**
   * Runs the job's calls, then holds the job open a moment for the calls their results
   * made ready (held-jobs.ts), and runs those too, as long as the driver sends some and
   * the job has not run for long. Inputs this worker stored a moment ago are read from
   * memory rather than Redis: a chain's next task takes its predecessor's result.
   */
  private async runHeld(
    job: Job<JobData>,
    data: JobData,
    first: JobBatch,
    open: Promise<boolean>,
    signal: AbortSignal,
  ): Promise<void> {
    const began = performance.now()
    let batch = first
    let local: ReadonlyMap<string, Buffer> | undefined
    // The copy left in Redis of the calls a hold took: it goes with their results.
    let left: string | undefined
    // What the driver asked for of the job's fused steps, told as each ends.
    const steps = new StepNotices((entries, notices) =>
      finishJob(
        this.redis,
        this.large,
        data,
        entries,
        packReply({ worker: this.name, outcomes: [], steps: notices }),
      ),
    )
    for (;;) {
      let hold: string | undefined
      let entries: readonly StoreEntry[]
      const long = batch.long === true
      try {
        // Before the first wait: BullMQ fetches the next job as soon as this one's
        // processing has begun.
        if (long) this.holdThread(1)
        this.holding += batch.calls.length
        const runStart = performance.now()
        const result = await runJob({
          run: data.run,
          marker: markerProperty(data.driver),
          marks: marksOf(data.driver),
          open,
          batch,
          policy: this.policy,
          store: this.store,
          local,
          pool: () => this.pool,
          limit: data.limit,
          largeStore: this.largeStore,
          signal,
          started: (id) => {
            this.callsOnPool(data.run).started(id)
            this.announceStart(data, id)
          },
          ended: (id) => this.callsOnPool(data.run).ended(id),
          stepEnded: (notice, entry) => steps.add(notice, entry),
        })
        const quick = performance.now() - runStart < QUICK_JOB_MS
        if (quick !== this.prefetch) {
          this.prefetch = quick
          this.takeJobs()
        }
        // Told before the calls' outcomes, which end the driver's interest in them.
        await steps.told()
        // Its run is over (it ended, or its driver died): the job is dropped.
        if (result === undefined) return this.deleteLeft(left)
        this.ended(data, result.outcomes)
        hold = this.mayHold(began, signal) ? this.held.hold(job.id!) : undefined
        const replyOf = (outcomes: CallOutcome[]): Buffer =>
          packReply({
            worker: this.name,
            host: HOST,
            outcomes,
            ...(hold !== undefined && {
              held: { run: data.run, job: job.id!, hold, worker: this.id },
            }),
          })
        let reply: Buffer
        try {
          reply = replyOf(result.outcomes)
        } catch {
          reply = replyOf(sendable(result.outcomes))
        }
        entries = result.entries
        const sent = await finishJob(this.redis, this.large, data, entries, reply, {
          hold,
          left,
        })
        left = undefined
        if (!sent) return
      } catch (error) {
        this.deleteLeft(left)
        await steps.told()
        await this.failCalls(data, batch, error)
        return
      } finally {
        this.holding -= batch.calls.length
        if (long) this.holdThread(-1)
      }
      if (hold === undefined) return
      const next = await this.held.take(data.run, hold, signal)
      if (next === undefined) return
      left = next.left
      try {
        batch = checkedBatch({ ...data, batch: next.batch })
      } catch (error) {
        this.deleteLeft(left)
        this.dropped(job.id, error)
        return
      }
      open = Promise.resolve(true)
      local = new Map(entries.map((entry) => [entry.key, entry.bytes]))
    }
  }

  /**
   * A long batch holds a thread whole: while it runs the worker takes one job fewer at a
   * time, so that no job waits behind it here while another worker's thread could run it.
   */
  private holdThread(change: 1 | -1): void {
    this.long += change
    this.takeJobs()
  }

  /** Sets how many jobs it takes at once: one a thread, two while jobs end quickly. */
  private takeJobs(): void {
    if (this.worker === undefined) return
    this.worker.concurrency = Math.max(1, (this.prefetch ? 2 : 1) * this.threads - this.long)
  }

  private deleteLeft(left: string | undefined): void {
    if (left !== undefined) void this.redis.del(left).catch(() => 0)
  }

  private callsOnPool(run: string): CallsOnPool {
    let calls = this.begun.get(run)
    if (calls === undefined) this.begun.set(run, (calls = new CallsOnPool()))
    return calls
  }

  /** Whether a job that began at `began` may be held open for more calls. */
  private mayHold(began: number, signal: AbortSignal): boolean {
    return this.stopping === undefined && !signal.aborted && performance.now() - began < HOLD_FOR_MS
  }

  /**
   * Something went wrong here, not in a task (those are outcomes): Redis refused a
   * command (it is full, say), the shared directory failed, or the worker's own code
   * threw (a bug of taskgraph's, sent with its stack). The driver is told, so that its
   * run does not wait for ever: the reply goes even to a full Redis.
   */
  private async failCalls(data: JobData, batch: JobBatch, error: unknown): Promise<void> {
    const fault = jobFault(error)
    const outcomes: CallOutcome[] = batch.calls.map((call) => ({ id: call.id, ok: false, fault }))
    await this.reply(data, outcomes)
  }

  /**
   * Imports what it serves, within `startTimeout`: a module whose top-level code never
   * finishes held the start, unseen, for ever.
   */
  private async preloadInTime(): Promise<void> {
    const preloading = this.policy.preload(this.name)
    // Given up on, it may still fail later: nobody waits for it then.
    preloading.catch(() => {})
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const module = this.policy.importingName() ?? '?'
        reject(
          new ModuleRefusedError({
            module,
            worker: this.name,
            message: `taskgraph worker ${this.name}: module ${module} did not finish importing within ${this.startTimeout} ms (top-level code that never ends, such as an await that never settles): fix it so that its import ends, or give the start longer (--start-timeout, the startTimeout option).`,
          }),
        )
      }, this.startTimeout)
    })
    try {
      await Promise.race([preloading, late])
    } finally {
      clearTimeout(timer)
    }
  }

  /** Tells whoever watches the worker's process what happened to its connection. */
  private tell(what: string): void {
    process.emitWarning(`taskgraph worker ${this.name} ${what}`, {
      code: 'TASKGRAPH_CLUSTER_CONNECTION',
    })
  }

  /** Warns, once per holder, that another worker took its name (`warning`, if any). */
  private nameTaken(warning: string | undefined): void {
    if (warning === undefined || warning === this.nameWarning) return
    this.nameWarning = warning
    process.emitWarning(warning, { code: 'TASKGRAPH_CLUSTER_NAME_TAKEN' })
  }

  private dropped(job: string | undefined, error: unknown): void {
    process.emitWarning(
      `taskgraph worker ${this.name} dropped job ${job ?? '?'}: it is not a taskgraph job (${String(error)})`,
      { code: 'TASKGRAPH_CLUSTER_BAD_JOB' },
    )
  }

  /**
   * Tells the driver a call began (its progress counts it as running from then on), if
   * it is still running a moment later: calls that end sooner are told of once, by their
   * outcome, which spares a chain of short tasks a message each. Starts within the moment
   * go in one message, ahead of their outcomes (commands on a connection keep their order).
   */
  private announceStart(data: JobData, id: number): void {
    const key = `${data.driver} ${data.run}`
    let ids = this.starts.get(key)
    if (ids === undefined) {
      this.starts.set(key, (ids = new Map<number, number>()))
      const told = ids
      setTimeout(() => {
        this.starts.delete(key)
        if (told.size === 0) return
        const now = performance.now()
        const reply = packReply({
          worker: this.name,
          outcomes: [],
          started: [...told.keys()],
          // The driver's hooks date each start back to when it was.
          startedAgo: [...told.values()].map((at) => Math.round(now - at)),
        })
        void finishJob(this.redis, undefined, data, [], reply).catch(() => {})
      }, START_NOTICE_MS)
    }
    ids.set(id, performance.now())
  }

  /** Calls that ended need no notice of their start: their outcome says it all. */
  private ended(data: JobData, outcomes: readonly CallOutcome[]): void {
    const ids = this.starts.get(`${data.driver} ${data.run}`)
    if (ids !== undefined) for (const outcome of outcomes) ids.delete(outcome.id)
  }

  /** Sends outcomes to the driver, unless the run has ended meanwhile. */
  private async reply(data: JobData, outcomes: CallOutcome[]): Promise<void> {
    await finishJob(
      this.redis,
      undefined,
      data,
      [],
      packReply({ worker: this.name, host: HOST, outcomes }),
    )
  }

  /** A driver ended a run: its calls here stop, and what it left in the shared directory goes. */
  private stopRun(run: string): void {
    const jobs = this.active.get(run)
    if (jobs !== undefined) {
      for (const job of jobs) job.abort()
      // Calls already running in threads cannot be stopped one by one: the pool is replaced.
      if (this.begun.get(run)?.running === true) {
        const old = this.pool
        this.pool = this.makePool()
        void old.close()
      }
    }
    void this.large?.clear(run).catch(() => {})
  }

  /**
   * Renews its claim on its name and, once it is listed, its record; now and then clears
   * what runs of dead drivers left.
   */
  private async heartbeat(): Promise<void> {
    const renewed = renewName(this.redis, this.name, this.id, RECORD_TTL_MS).then(
      (taken) => this.nameTaken(taken),
      () => {},
    )
    if (!this.listed) return renewed
    const key = workerKey(this.id)
    const record = {
      id: this.id,
      name: this.name,
      host: hostname(),
      pid: process.pid,
      threads: this.threads,
      running: this.running,
      waiting: this.holding - this.running,
      rss: process.memoryUsage.rss(),
      taskgraph: this.version,
      node: process.versions.node,
      since: this.since,
    }
    await writeWorkerRecord(this.redis, key, record, RECORD_TTL_MS).catch(() => undefined)
    await renewed
    if (this.beats++ % SWEEP_EVERY === 0) await this.sweep().catch(() => undefined)
  }

  /**
   * Runs whose record expired (their driver died): their results and files go, and every
   * worker stops their calls (announced as the driver would have: the first worker to
   * sweep a run takes it off the list, so the others never see it).
   */
  private async sweep(): Promise<void> {
    const runs = await this.redis.smembers(RUNS)
    for (const run of runs) {
      if ((await this.redis.exists(runKey(run))) === 1) continue
      // Not a transaction: a full Redis refuses every command queued in one, and this
      // frees what fills it.
      await this.redis
        .pipeline()
        .del(resultsKey(run))
        .srem(RUNS, run)
        .publish(ENDED_CHANNEL, run)
        .exec()
      await this.large?.clear(run)
    }
  }

  /**
   * Calls running on its threads now (begun, not ended): one a thread, unless async ones
   * overlap.
   */
  get running(): number {
    let running = 0
    for (const calls of this.begun.values()) running += calls.size
    return running
  }

  /** The pool tasks run on, for tests. */
  get executor(): Executor {
    return this.pool
  }
}

/**
 * Whether `promise` settles before any of `connections` has been down for `graceMs` on
 * end: a hand-back takes what it takes while Redis answers (a loaded machine may need
 * seconds), and is given up only when Redis is gone.
 */
function settlesWhileConnected(
  promise: Promise<unknown> | undefined,
  connections: readonly Redis[],
  graceMs: number,
): Promise<boolean> {
  return new Promise((resolve) => {
    let downSince: number | undefined
    const poll = setInterval(() => {
      const down = connections.some((connection) => connection.status !== 'ready')
      if (!down) downSince = undefined
      else if (downSince === undefined) downSince = performance.now()
      else if (performance.now() - downSince >= graceMs) finish(false)
    }, 100)
    const finish = (settled: boolean): void => {
      clearInterval(poll)
      resolve(settled)
    }
    void (promise ?? Promise.resolve()).then(
      () => finish(true),
      () => finish(true),
    )
  })
}

/**
 * A run's calls on the pool: those begun and not ended. A call may be told to have
 * begun after it ended (the pool tells starts as it hears of them): it is not counted.
 */
class CallsOnPool {
  private readonly onPool = new Set<number>()
  private readonly done = new Set<number>()

  get running(): boolean {
    return this.onPool.size > 0
  }

  get size(): number {
    return this.onPool.size
  }

  started(id: number): void {
    if (!this.done.has(id)) this.onPool.add(id)
  }

  ended(id: number): void {
    this.onPool.delete(id)
    this.done.add(id)
  }
}
