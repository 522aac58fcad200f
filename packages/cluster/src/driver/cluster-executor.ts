import { randomBytes } from 'node:crypto'
import { resolve } from 'node:path'
import type { Queue } from 'bullmq'
import type { Redis } from 'ioredis'
import type { AnyFunction } from '@taskgraph/core'
import { ExecutorClosedError } from '@taskgraph/scheduler'
import {
  DiscardedFault,
  ExecutorClosedFault,
  NotSerializableFault,
  RunFault,
  WorkerLostFault,
  WorkerStartFault,
  type Executor,
  type TaskCall,
} from '@taskgraph/scheduler/internal'
import { marksOf } from '@taskgraph/scheduler/wire'
import {
  DEFAULT_MAX_STORED_BYTES,
  DEFAULT_RECONNECT_TIMEOUT_MS,
  checkClusterOptions,
  type ClusterOptions,
} from '../cluster-options.js'
import { loadBullMQ } from '../commonjs-packages.js'
import {
  connect,
  openRedis,
  parseClusterUrl,
  passwordRefused,
  queueReady,
  refusesPassword,
  type ClusterUrl,
} from '../connection.js'
import { watchConnection } from '../connection-watch.js'
import { ClusterConnectionError, ClusterStoreError } from '../errors.js'
import { PREFIX, QUEUE, RUNS, STARTED_CHANNEL, repliesKey, resultsKey, runKey } from '../keys.js'
import { FileStore } from '../store/file-store.js'
import { RedisStore } from '../store/redis-store.js'
import type { ResultStore } from '../store/result-store.js'
import {
  FULL_FIX,
  JOB_TOO_LONG_FIX,
  REFUSED_FIX,
  isRedisFull,
  isRedisReply,
  failureText,
  refusedRequest,
  saysTooLong,
} from '../redis-refusals.js'
import { TieredStore } from '../store/tiered-store.js'
import { UnreadableMessage } from '../wire/envelope.js'
import { unpackReply, type JobData, type ModuleFunction, type Reply } from '../wire/job.js'
import { StoredResult, markerProperty } from '../wire/stored-values.js'
import { CachedKeeper } from './cached-results.js'
import { CallOutcomes } from './call-outcomes.js'
import { ClusterRun, type Pending } from './cluster-run.js'
import { runOnDriver } from './driver-calls.js'
import { packJob, takeBatch, type PackedJob } from './job-calls.js'
import { JobHolds, type HeldJob } from './job-holds.js'
import { JobLedger } from './job-ledger.js'
import { LongCalls } from './long-calls.js'
import { ModuleFunctions } from './module-functions.js'
import { readOutput } from './output-reads.js'
import { RUN_TTL_MS, boundedCleanup, jobsGone, removeRun } from './remove-run.js'
import { clusterThreads, listWorkers, type WorkerInfo } from './worker-registry.js'

/** Seconds a reply read blocks: how soon the reader notices the executor closed. */
const REPLY_WAIT_S = 1

/**
 * Runs tasks on a cluster of machines: `taskgraph worker --cluster URL` processes take
 * jobs from a BullMQ queue in Redis; this executor (the driver) keeps the graph, sends
 * ready tasks as jobs, and reads the workers' replies. Results stay in the cluster's
 * store (Redis, and a shared directory for large ones): the driver holds a `StoredResult`
 * in place of each, and only outputs, and the inputs of tasks that must run here
 * (`gather`, `get`, main-thread tasks), come back to it. Tasks go in batches, one job
 * each, and linear chains are fused into one call. Everything a run wrote is removed
 * when it ends.
 *
 * @example
 * const cluster = new ClusterExecutor('redis://scheduler:6379')
 * await compute(total, { executor: cluster })
 * await cluster.close()
 */
export class ClusterExecutor implements Executor {
  readonly name = 'cluster'
  readonly remote = true
  // Results stay in the cluster's store: what a run holds of them are markers. A run's
  // cache has its tasks' results moved through the driver (keep, fetch).
  readonly resultsByReference = true
  readonly returnsSteps = true
  readonly enforcesTimeouts = true
  readonly reportsStarts = true
  readonly concurrency = 1 << 20
  readonly url: ClusterUrl
  private readonly options: ClusterOptions
  private readonly id = randomBytes(9).toString('base64url')
  /** What marks stored results in this driver's jobs (see `markerProperty`). */
  private readonly marker = markerProperty(this.id)
  private readonly functions: ModuleFunctions
  private readonly redis: Redis
  /** Its own connection: a blocking read holds it. */
  private readonly replies: Redis
  private readonly small: RedisStore
  private readonly large: FileStore | undefined
  private readonly store: ResultStore
  private queue: Queue | undefined
  private starting: Promise<void> | undefined
  /** Whether `starting` has settled. */
  private started = false
  private closed = false
  /** What the first `close()` started: every later call resolves with it. */
  private closing: Promise<void> | undefined
  /** Whether Redis left the last run's removal unanswered: a close does not wait for it. */
  private redisSilent = false
  private readonly runs = new Map<AbortSignal, ClusterRun>()
  private readonly runsById = new Map<string, ClusterRun>()
  private readonly outcomes: CallOutcomes
  private readonly holds: JobHolds
  private readonly ledger = new JobLedger()
  private readonly long = new LongCalls()
  private nextCall = 1
  private nextJob = 1
  /** Threads of the cluster's live workers, as last counted. */
  private threads = 0
  private warnedNoWorkers = false
  private flushScheduled = false
  private timer: NodeJS.Timeout | undefined
  /** Whether the connection to Redis is down now. */
  private down: () => boolean = () => false
  /**
   * Why runs cannot wait for the connection, down now: it has been down past
   * `reconnectTimeout`, or Redis refused its password. Cleared once it is back.
   */
  private connectionFault: Error | undefined
  /** Runs begun while the connection is down, waiting for it (see `connected`). */
  private readonly awaitingConnection = new Set<{
    readonly resolve: () => void
    readonly reject: (fault: Error) => void
  }>()

  constructor(url: string, options?: ClusterOptions) {
    const caller = 'new ClusterExecutor'
    this.url = parseClusterUrl(caller, url)
    this.options = checkClusterOptions(caller, options)
    this.functions = new ModuleFunctions(resolve(this.options.root ?? process.cwd()))
    this.outcomes = new CallOutcomes(
      this.functions,
      marksOf(this.id),
      (stored) => readOutput(this.store, this.large, stored),
      this.options.store,
    )
    this.redis = openRedis(this.url)
    this.replies = openRedis(this.url, { blocking: true })
    this.holds = new JobHolds(this.redis)
    this.small = new RedisStore(this.redis, resultsKey, runKey)
    this.large =
      this.options.store === undefined ? undefined : new FileStore(caller, this.options.store)
    this.store =
      this.large === undefined
        ? this.small
        : new TieredStore(this.small, this.large, this.maxStoredBytes)
    // Connection errors are handled where they matter (start, lost connection); without
    // a listener ioredis would print each.
    this.redis.on('error', () => {})
    this.replies.on('error', () => {})
  }

  private get maxStoredBytes(): number {
    return this.options.maxStoredBytes ?? DEFAULT_MAX_STORED_BYTES
  }

  /**
   * Connects to Redis; rejects with `ClusterUnreachableError` if it does not answer
   * within seconds, and with `ClusterStoreError` if it refuses a request (a user without
   * the rights). Runs start it themselves; call it first to fail early. After `close()` it
   * does nothing, and resolves (a run then fails with `ExecutorClosedError`).
   */
  start(): Promise<void> {
    // Closed: there is nothing to start (as a pool's start() does), and connecting now
    // would leave connections open that keep the program alive.
    if (this.closed && this.starting === undefined) return Promise.resolve()
    this.starting ??= this.open()
      .catch((error: unknown) => {
        // A connection that got in while another was refused (Redis at its maxclients,
        // say) would keep the program alive: the executor cannot start again anyway.
        this.redis.disconnect()
        this.replies.disconnect()
        throw refusedRequest('ClusterExecutor', this.url.shown, error)
      })
      .finally(() => (this.started = true))
    return this.starting
  }

  private async open(): Promise<void> {
    await Promise.all([
      connect(this.redis, this.url, 'ClusterExecutor'),
      connect(this.replies, this.url, 'ClusterExecutor'),
    ])
    // Loaded once Redis has answered, not meanwhile: loading holds this thread, and on a
    // busy machine it would delay the answer past the connect timeout.
    const { Queue } = loadBullMQ()
    this.queue = new Queue(QUEUE, {
      connection: this.redis,
      prefix: PREFIX,
      // Events are BullMQ's, which taskgraph does not read: keep their stream short.
      streams: { events: { maxLen: 100 } },
    })
    this.queue.on('error', () => {})
    await queueReady(this.queue, this.url, 'ClusterExecutor')
    const [threads] = await Promise.all([
      clusterThreads(this.redis),
      this.redis.publish(STARTED_CHANNEL, this.id),
    ])
    this.threads = threads
    // A dropped connection is retried: runs carry on once it is back, if Redis still has
    // their records, and fail with ClusterConnectionError if it does not (it restarted
    // without persistence) or if it stays down longer than reconnectTimeout.
    const limit = this.options.reconnectTimeout ?? DEFAULT_RECONNECT_TIMEOUT_MS
    // Only runs open when the connection dropped can have lost their records: a run
    // begun since (its record written once the connection is back) is not checked.
    let openAtDrop: ClusterRun[] = []
    this.down = watchConnection(this.redis, this.url, limit, {
      dropped: () => (openAtDrop = [...this.runs.values()]),
      lost: () => {
        if (this.closed) return
        const lost = new ClusterConnectionError({
          message: `cluster executor: the connection to Redis at ${this.url.shown} has been down for ${limit} ms. Check that Redis is up and reachable (raise reconnectTimeout, --reconnect-timeout, to wait longer), then run again.`,
        })
        this.connectionIs(lost)
        for (const run of this.runs.values()) this.failRun(run, new RunFault(lost))
      },
      back: () => {
        this.connectionIs(undefined)
        void this.checkRuns(openAtDrop)
      },
      // Not cured by waiting: the runs fail now, and later ones as they begin.
      refused: (error) => {
        if (this.closed) return
        const refused = passwordRefused('cluster executor', this.url, error)
        this.connectionIs(refused)
        for (const run of this.runs.values()) this.failRun(run, new RunFault(refused))
      },
    })
    this.timer = setInterval(() => void this.tick(), RUN_TTL_MS / 3)
    this.timer.unref()
    void this.readReplies()
  }

  saturated(): boolean {
    return (
      (this.ledger.jobsOut >= this.maxJobs() && this.queuedCalls() > 0) ||
      this.long.full(this.threads)
    )
  }

  /**
   * A chain runs as one call, here if a worker cannot import one of its functions: so
   * only functions a worker is known to import are fused, and the tasks around one that
   * runs here still run on workers.
   */
  canFuse(fn: AnyFunction): boolean {
    if (this.options.fuse === false) return false
    const described = this.functions.peek(fn)
    return described !== undefined && described !== null
  }

  run(call: TaskCall): unknown {
    if (this.closed) throw new ExecutorClosedFault(false)
    const run = this.runOf(call.signal)
    if (call.mainThread) return this.here(run, call)
    const functions = this.describe(call)
    if (functions === undefined) {
      const fns = [call.fn, ...(call.steps ?? []).map((step) => step.fn)]
      return Promise.all(fns.map((fn) => this.functions.find(fn))).then(() => this.run(call))
    }
    if (functions === null) return this.unreachable(run, call)
    const long = this.long.isLong(functions)
    const result = new Promise((resolve, reject) => {
      run.queued.push({
        call,
        run,
        functions,
        long,
        resolve,
        reject,
        lost: 0,
        stepsStored: 0,
        id: 0,
        job: undefined,
      })
      this.scheduleFlush()
    })
    if (long) this.long.hold(result)
    return result
  }

  /**
   * How workers name the functions of `call` (its own, then each fused step's): `null` if
   * a worker cannot import one, `undefined` if one is not looked up yet.
   */
  private describe(call: TaskCall): ModuleFunction[] | null | undefined {
    const first = this.functions.peek(call.fn)
    // Most calls run one function: no list made to look it up.
    if (call.steps === undefined || first === undefined || first === null) {
      return first === undefined || first === null ? first : [first]
    }
    const functions = [first]
    let unreachable = false
    for (const step of call.steps) {
      const described = this.functions.peek(step.fn)
      if (described === undefined) return undefined
      if (described === null) unreachable = true
      else functions.push(described)
    }
    return unreachable ? null : functions
  }

  /** Keeps a result the run read from its cache in the run's store, for workers to read. */
  async keep(signal: AbortSignal, key: string, value: unknown): Promise<unknown> {
    if (this.closed) return value
    const run = this.runOf(signal)
    await run.opened
    run.keeper ??= new CachedKeeper(this.store, run.id, {
      maxStoredBytes: this.maxStoredBytes,
      largeStore: this.large !== undefined,
    })
    return run.keeper.keep(key, value)
  }

  /**
   * The value of a result kept in the cluster's store, for the run's cache to store: read
   * as the driver reads an output, so one it cannot read is told the same way.
   */
  async fetch(result: unknown): Promise<unknown> {
    if (!(result instanceof StoredResult)) return result
    return readOutput(this.store, this.large, result)
  }

  release(value: unknown): void {
    if (!(value instanceof StoredResult)) return
    const run = this.runsById.get(value.run)
    if (run === undefined || run.ended) return
    // Released in the same turn of the event loop: deleted together, with the calls sent
    // to a held job if some go in that turn (followUp), or by a command of their own.
    if (run.released.push(value) === 1) {
      setImmediate(() => {
        const keys = this.takeReleased(run)
        if (keys.length > 0) void this.small.delete(run.id, keys).catch(() => {})
      })
    }
  }

  /**
   * The keys of the run's results released since they were last taken, to delete from
   * Redis; those kept in the shared directory are deleted from there now.
   */
  private takeReleased(run: ClusterRun): string[] {
    const released = run.released.splice(0)
    if (run.ended) return []
    const large = released.filter((result) => result.large).map((result) => result.key)
    if (large.length > 0) void this.large?.delete(run.id, large).catch(() => {})
    return released.map((result) => result.key)
  }

  async endRun(signal: AbortSignal): Promise<void> {
    const run = this.runs.get(signal)
    if (run === undefined) return
    this.runs.delete(signal)
    this.runsById.delete(run.id)
    run.ended = true
    this.dropQueued(run)
    const { jobs } = this.ledger.takeRun(run)
    // A run that never opened wrote nothing; one ending while the executor still starts
    // (a Ctrl-C while Redis does not answer) writes nothing either, and does not wait.
    const opened =
      run.recording &&
      (await run.opened?.then(
        () => true,
        () => false,
      ))
    if (opened === true) {
      const [, answered] = await Promise.all([
        boundedCleanup(this.holds.end(run)),
        removeRun(this.redis, this.store, this.queue, run.id, jobs),
      ])
      // Redis gone or silent: neither the jobs leaving it nor a close are waited for, so
      // that a cancelled run ends within 2 s; the workers sweep what is left.
      this.redisSilent = !answered
      if (answered && this.queue !== undefined) await jobsGone(this.redis, this.queue, run.sent)
    }
    this.flush()
  }

  /**
   * The cluster's live workers, as `taskgraph cluster status` lists them (a dashboard
   * shows them): asked of Redis over this executor's connection, once it has started.
   */
  async workers(): Promise<WorkerInfo[]> {
    // Its connection, closed, would connect again for the request, and stay open.
    if (this.closed) {
      throw new ExecutorClosedError({
        caller: 'ClusterExecutor.workers',
        executor: 'cluster',
        whileRunning: false,
      })
    }
    await this.start()
    return listWorkers(this.redis)
  }

  /** `close()`, for `await using cluster = new ClusterExecutor(url)`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }

  /** Ends every run, stops reading replies and disconnects; calls still out reject. */
  close(): Promise<void> {
    // A second call (a `finally` and an `await using` both closing) waits for the first.
    this.closing ??= this.#close()
    return this.closing
  }

  async #close(): Promise<void> {
    this.closed = true
    clearInterval(this.timer)
    this.connectionIs(new ExecutorClosedFault(true))
    // Closed while it connects (Redis slow to answer, or not at all): it gives up now,
    // rather than at the connect timeout.
    if (this.starting !== undefined && !this.started) {
      this.replies.disconnect()
      this.redis.disconnect()
    }
    for (const run of [...this.runs.values()]) {
      for (const pending of run.queued) pending.reject(new ExecutorClosedFault(true))
      for (const calls of run.jobs.values()) {
        for (const pending of calls) pending.reject(new ExecutorClosedFault(true))
      }
      run.queued.length = 0
      await this.endRun(run.signal)
    }
    // A start that failed has disconnected already: its queue, whose first commands may
    // have failed with the connection, is left alone (closing it would wait for ever).
    if (
      !this.redisSilent &&
      this.starting !== undefined &&
      (await this.starting.then(
        () => true,
        () => false,
      ))
    ) {
      await boundedCleanup(Promise.all([this.redis.del(repliesKey(this.id)), this.queue?.close()]))
    }
    this.replies.disconnect()
    this.redis.disconnect()
  }

  private runOf(signal: AbortSignal): ClusterRun {
    let run = this.runs.get(signal)
    if (run === undefined) {
      const created = new ClusterRun(randomBytes(9).toString('base64url'), signal)
      this.runs.set(signal, created)
      this.runsById.set(created.id, created)
      created.opened = this.start()
        .then(() => this.connected())
        .then(() => {
          // Ended while the executor started or Redis was away (cancelled, say): nothing
          // to write, nor remove.
          if (created.ended) throw new DiscardedFault()
          created.recording = true
          const sentAt = performance.now()
          return this.redis
            .multi()
            .set(runKey(created.id), this.id, 'PX', RUN_TTL_MS)
            .sadd(RUNS, created.id)
            .exec()
            .then(() => {
              created.recorded = true
              created.renewedAt = sentAt
            })
        })
      // Not awaited here: a run that cannot open fails its calls as they are sent.
      created.opened.then(
        () => this.warnIfNoWorkers(),
        () => {},
      )
      signal.addEventListener('abort', () => this.dropQueued(created), { once: true })
      run = created
    }
    return run
  }

  /**
   * A run on a cluster without workers waits for one: say so, once until workers are
   * back, rather than seem to hang; also when the last worker leaves while runs wait.
   */
  private warnIfNoWorkers(): void {
    if (this.threads > 0) {
      this.warnedNoWorkers = false
      return
    }
    if (this.warnedNoWorkers) return
    this.warnedNoWorkers = true
    process.emitWarning(
      `no cluster workers are connected to ${this.url.shown}: the run waits until one is (start one with taskgraph worker --cluster ${this.url.shown}).`,
      { code: 'TASKGRAPH_CLUSTER_NO_WORKERS' },
    )
  }

  /** Runs a call on this thread: its stored inputs are read first. */
  private here(run: ClusterRun, call: TaskCall): Promise<unknown> {
    call.started()
    return runOnDriver(call, async (keys) => {
      await run.opened
      return this.store.get(run.id, keys)
    })
  }

  private unreachable(run: ClusterRun, call: TaskCall): Promise<unknown> {
    warnOnce(
      call.name,
      `task function ${call.name} cannot be imported by cluster workers (it was made at run time, in the program's entry script, or outside the project root, or it is a helper's that no module which made task functions exports): it runs on the driver. Hand it to taskgraph (delayed()) in the top-level code of a module of the project, or export it from the workflow.`,
    )
    return this.here(run, call)
  }

  private dropQueued(run: ClusterRun): void {
    for (const pending of run.queued.splice(0)) pending.reject(new DiscardedFault())
  }

  private queuedCalls(): number {
    let queued = 0
    for (const run of this.runs.values()) queued += run.queued.length
    return queued
  }

  /** Jobs out at once: two per thread of the cluster, one running and one ready behind it. */
  private maxJobs(): number {
    return 2 * Math.max(1, this.threads) + 2
  }

  /**
   * Whether a long call may go now: counted as two jobs (a thread's whole share), it must
   * fit in two per thread, as a pool sends one only to an idle worker. One sent beyond
   * would wait behind another job in its worker, while calls made ready meanwhile wait
   * behind it.
   */
  private roomForLong(): boolean {
    return this.ledger.jobsOut + this.ledger.longOut + 2 <= 2 * Math.max(1, this.threads)
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return
    this.flushScheduled = true
    // Calls launched in the same turn of the event loop batch together.
    queueMicrotask(() => {
      this.flushScheduled = false
      this.flush()
    })
  }

  private flush(): void {
    for (const run of this.runs.values()) {
      if (run.queued.length === 0 || this.ledger.jobsOut >= this.maxJobs()) continue
      void run.opened!.then(
        () => this.send(run),
        (error: unknown) => this.failRun(run, error),
      )
    }
  }

  /** Sends the run's queued calls as jobs, as many as there is room for. */
  private send(run: ClusterRun): void {
    if (run.ended || this.queue === undefined) return
    const jobs: { name: string; data: JobData; opts: { jobId: string } }[] = []
    while (run.queued.length > 0 && this.ledger.jobsOut < this.maxJobs()) {
      const next = run.queued[0]!
      if (next.long && !this.roomForLong()) break
      // A job held open takes calls first (not those whose worker was lost: they go alone).
      const held = next.lost === 0 ? this.holds.take(run) : undefined
      const batch = takeBatch(run.queued, this.maxJobs() - this.ledger.jobsOut)
      const packed = packJob(batch, () => this.nextCall++, this.marker)
      if (packed === undefined) continue
      if (held !== undefined) {
        this.followUp(run, held, packed)
        continue
      }
      const jobId = `${this.id}.${this.nextJob++}`
      run.sent.add(jobId)
      this.ledger.sent(run, jobId, packed.sendable)
      const data: JobData = {
        run: run.id,
        driver: this.id,
        batch: packed.batch,
        lost: batch[0]!.lost,
        limit: this.maxStoredBytes,
      }
      jobs.push({ name: 'calls', data, opts: { jobId } })
    }
    if (jobs.length === 0) return
    // One job (a chain's next task) goes by add, a few hundred µs sooner than by addBulk.
    const adding =
      jobs.length === 1
        ? this.queue.add(jobs[0]!.name, jobs[0]!.data, { ...jobs[0]!.opts, ...JOB_OPTIONS })
        : this.queue.addBulk(jobs.map((job) => ({ ...job, opts: { ...job.opts, ...JOB_OPTIONS } })))
    adding.catch((error: unknown) => this.failRun(run, error))
  }

  private async readReplies(): Promise<void> {
    const key = repliesKey(this.id)
    while (!this.closed) {
      let popped: [Buffer, Buffer] | null
      try {
        popped = await this.replies.blpopBuffer(key, REPLY_WAIT_S)
      } catch {
        if (this.closed) return
        await new Promise((wake) => setTimeout(wake, 100))
        continue
      }
      if (popped === null) continue
      let reply: Reply
      try {
        reply = unpackReply(popped[1])
      } catch (error) {
        this.unreadable(error)
        continue
      }
      this.settle(reply)
      // The calls the reply made ready go out first (they are sent in the microtasks that
      // follow): the wait for the next reply is a write of its own, which would otherwise
      // delay a chain's next task by its cost.
      await new Promise((wake) => setImmediate(wake))
    }
  }

  /**
   * Sends `packed` to a job its worker holds open. If the hold had ended meanwhile, the
   * calls go back to the front of the queue, and out as a job of their own.
   */
  private followUp(run: ClusterRun, held: HeldJob, packed: PackedJob): void {
    for (const pending of packed.sendable) pending.held = true
    this.ledger.sent(run, held.job, packed.sendable)
    this.holds.send(run, held, packed.batch, this.takeReleased(run)).then(
      (taken) => {
        if (taken || run.ended) return
        run.queued.unshift(...this.ledger.withdraw(run, held.job, packed.sendable))
        this.flush()
      },
      (error: unknown) => this.failRun(run, error),
    )
  }

  /**
   * A reply this process could not read: its calls fail, saying why, when its envelope
   * names them (see envelope.ts). One that says nothing of itself (not written by a
   * worker) is passed over with a warning: this loop reads every run's replies.
   */
  private unreadable(error: unknown): void {
    if (!(error instanceof UnreadableMessage)) {
      process.emitWarning(
        `cluster executor: a reply in Redis at ${this.url.shown} could not be read, and is passed over (${failureText(error)})`,
        { code: 'TASKGRAPH_CLUSTER_BAD_REPLY' },
      )
      return
    }
    const reason = error.why('this driver', 'a cluster worker')
    for (const id of error.envelope.ids) {
      const pending = this.ledger.answered(id)
      pending?.reject(new NotSerializableFault('result', 'result', 'what its worker sent', reason))
    }
    this.flush()
  }

  private settle(reply: Reply): void {
    reply.started?.forEach((id, n) => this.ledger.get(id)?.call.started(reply.startedAgo?.[n]))
    for (const notice of reply.steps ?? []) {
      const pending = this.ledger.get(notice.id)
      if (pending !== undefined) this.outcomes.stepEnded(pending, notice)
    }
    let handedBack = false
    for (const outcome of reply.outcomes) {
      const pending = this.ledger.answered(outcome.id)
      if (pending === undefined) continue
      if ('handedBack' in outcome) {
        if (outcome.handedBack === 'lost') this.lost(pending)
        else pending.run.queued.unshift(pending)
        handedBack = true
      } else {
        this.long.learn(pending, outcome)
        this.outcomes.settle(pending, outcome, reply)
      }
    }
    const { held, redelivered } = reply
    if (redelivered !== undefined) {
      // Its worker was lost while holding it: what it was sent then goes again, alone.
      const run = this.runsById.get(redelivered.run)
      const lost = run === undefined ? [] : this.ledger.takeHeld(run, redelivered.job)
      for (const pending of lost.reverse()) this.lost(pending)
    }
    if (held !== undefined) {
      const run = this.runsById.get(held.run)
      if (run !== undefined && !run.ended) this.holds.offered(run, held)
    }
    // A worker handing back calls is stopping (it left the cluster status before it
    // replied): if it was the last, the run waits for another, and says so now.
    if (handedBack) void this.countWorkers()
    this.flush()
  }

  /**
   * `pending`'s worker was lost while it ran: it goes again, alone, before what was
   * queued after it. A chain that had stored some of its steps' results (for the run's
   * cache) is given back to the scheduler instead, which completes those steps with them
   * and runs only the rest.
   */
  private lost(pending: Pending): void {
    if (pending.stepsStored > 0) {
      pending.reject(new WorkerLostFault('its cluster worker was lost while it ran'))
      return
    }
    pending.lost++
    pending.run.queued.unshift(pending)
  }

  /**
   * Fails the calls of a run that cannot go on (Redis is gone, lost its state, or
   * refused a request of the run).
   */
  private failRun(run: ClusterRun, error: unknown): void {
    const reason =
      error instanceof RunFault || error instanceof WorkerStartFault
        ? error
        : new RunFault(
            error instanceof Error && 'code' in error && typeof error.code === 'string'
              ? error
              : this.requestFailed(error),
          )
    for (const pending of run.queued.splice(0)) pending.reject(reason)
    for (const pending of this.ledger.takeRun(run).calls) pending.reject(reason)
  }

  /** What a run fails with when Redis failed one of its requests with `error`. */
  private requestFailed(error: unknown): Error {
    if (refusesPassword(this.url, error)) {
      return passwordRefused('cluster executor', this.url, error)
    }
    const said = failureText(error)
    const failed = `cluster executor: Redis at ${this.url.shown} failed a request of the run (${said})`
    if (isRedisFull(error)) {
      return new ClusterStoreError({
        full: true,
        message: `${failed}: it is full (it reached its maxmemory). ${FULL_FIX}`,
        cause: error,
      })
    }
    if (isRedisReply(error)) {
      return new ClusterStoreError({
        full: false,
        message: `${failed}. ${saysTooLong(said) ? JOB_TOO_LONG_FIX : REFUSED_FIX}`,
        cause: error,
      })
    }
    return new ClusterConnectionError({
      message: `${failed}. Check that Redis is up and reachable, then run again.`,
      cause: error,
    })
  }

  /**
   * Resolves once the connection to Redis is up: at once, or when it is back from a drop.
   * A run begun while it is down waits for it (up to `reconnectTimeout`, when the runs
   * fail), as runs already on wait: its first requests, sent now, would fail.
   */
  private connected(): Promise<void> {
    if (!this.down()) return Promise.resolve()
    if (this.connectionFault !== undefined) return Promise.reject(this.connectionFault)
    return new Promise((resolve, reject) => this.awaitingConnection.add({ resolve, reject }))
  }

  /**
   * The connection is back (`fault` undefined), or will not be without a change: down
   * past `reconnectTimeout`, or its password refused. Runs waiting for it go on or fail.
   */
  private connectionIs(fault: Error | undefined): void {
    this.connectionFault = fault
    const waiting = [...this.awaitingConnection]
    this.awaitingConnection.clear()
    for (const run of waiting) {
      if (fault === undefined) run.resolve()
      else run.reject(new RunFault(fault))
    }
  }

  /**
   * Renews the runs' records and learns how many threads the cluster has. A record that
   * is gone lapsed while this process did not renew it, or Redis let it go before its
   * time (deleted, flushed, evicted): its run fails, as the workers have dropped it.
   */
  private async tick(): Promise<void> {
    if (this.down() || this.runs.size === 0) return
    const runs = [...this.runs.values()].filter((run) => run.recorded)
    const pipeline = this.redis.pipeline()
    for (const run of runs) pipeline.pexpire(runKey(run.id), RUN_TTL_MS)
    const sentAt = performance.now()
    const renewed = await this.answered(pipeline.exec(), runs).catch(() => null)
    const answeredAt = performance.now()
    renewed?.forEach(([error, result], i) => {
      const run = runs[i]!
      if (error !== null || run.ended) return
      if (result !== 0) {
        run.renewedAt = sentAt
        return
      }
      const where = `cluster executor: the record of a run in Redis at ${this.url.shown}`
      const ttl = `${RUN_TTL_MS / 1000} s`
      const message =
        sentAt - run.renewedAt >= RUN_TTL_MS
          ? `${where} lapsed, as this process did not renew it for ${ttl} (it was suspended, or its event loop was blocked that long), so the workers dropped the run. Keep the driver's event loop free (run long work in a task, not beside the run), then run again.`
          : answeredAt - run.renewedAt >= RUN_TTL_MS
            ? `${where} lapsed, as Redis answered its renewal only after ${((answeredAt - sentAt) / 1000).toFixed(1)} s (it was stopped or overloaded, or the network to it was cut), so the workers dropped the run. Check that Redis is up and answers promptly, then run again.`
            : `${where} is gone ${((sentAt - run.renewedAt) / 1000).toFixed(1)} s after this process renewed it for ${ttl}: Redis let it go before its time (it was deleted, the database flushed, or evicted under a maxmemory-policy other than noeviction), so the workers dropped the run. Configure Redis with maxmemory-policy noeviction, let nothing else delete taskgraph's keys (tg:*), then run again.`
      this.failRun(run, new RunFault(new ClusterConnectionError({ message })))
    })
    await this.countWorkers()
  }

  /**
   * `request`, but `runs` fail if Redis leaves it unanswered for `reconnectTimeout`. A
   * Redis that keeps the connection open and answers nothing (its process stopped, its
   * machine or the network to it gone without closing it) is no dropped connection:
   * runs would otherwise wait for as long as it stays silent.
   */
  private async answered<T>(request: Promise<T>, runs: readonly ClusterRun[]): Promise<T> {
    const limit = this.options.reconnectTimeout ?? DEFAULT_RECONNECT_TIMEOUT_MS
    let done = false
    const silent = setTimeout(
      // After the poll phase: an answer that came while this process's event loop was
      // blocked past the limit is read first, and counts.
      () =>
        setImmediate(() => {
          if (done || this.closed) return
          const message = `cluster executor: Redis at ${this.url.shown} has not answered for ${limit} ms, though the connection to it is open (it is stopped or overloaded, or the network to it is cut). Check that Redis is up and reachable (raise reconnectTimeout, --reconnect-timeout, to wait longer), then run again.`
          const fault = new RunFault(new ClusterConnectionError({ message }))
          for (const run of runs) if (!run.ended) this.failRun(run, fault)
        }),
      limit,
    )
    silent.unref()
    try {
      return await request
    } finally {
      done = true
      clearTimeout(silent)
    }
  }

  /** Learns how many threads the cluster has; warns if runs wait for workers none has. */
  private async countWorkers(): Promise<void> {
    this.threads = await clusterThreads(this.redis).catch(() => this.threads)
    if (this.runs.size > 0) this.warnIfNoWorkers()
  }

  /** Fails those of `runs` still going whose record Redis no longer has. */
  private async checkRuns(runs: readonly ClusterRun[]): Promise<void> {
    for (const run of runs) {
      const exists = await this.redis.exists(runKey(run.id)).catch(() => 1)
      if (exists === 1 || run.ended) continue
      this.failRun(
        run,
        new RunFault(
          new ClusterConnectionError({
            message: `cluster executor: Redis at ${this.url.shown} came back without the run's state (it restarted without persistence, or evicted keys). Configure Redis with appendonly yes and maxmemory-policy noeviction, then run again.`,
          }),
        ),
      )
    }
  }
}

/** Jobs leave nothing behind once done: outcomes travel in replies, not in BullMQ. */
const JOB_OPTIONS = { removeOnComplete: true, removeOnFail: true, attempts: 1 } as const

const warned = new Set<string>()

function warnOnce(name: string, message: string): void {
  if (warned.has(name)) return
  warned.add(name)
  process.emitWarning(message, { code: 'TASKGRAPH_CLUSTER_UNREACHABLE_FUNCTION' })
}
