// A cluster worker's presence in the cluster: its claim on its name, taken as it starts,
// and its record (what `taskgraph cluster status` shows and drivers count threads by),
// both kept alive by a heartbeat that also, now and then, sweeps what dead drivers' runs
// left.
import { hostname } from 'node:os'
import type { Redis } from 'ioredis'
import { runKey, workerKey } from '../keys.js'
import type { FileStore } from '../store/file-store.js'
import { sweepEndedRuns } from './sweep-runs.js'
import { claimName, releaseName, renewName } from './worker-name.js'
import { writeWorkerRecord } from './worker-record.js'

/** How often a worker renews its record, and sweeps what dead drivers' runs left. */
const HEARTBEAT_MS = 2000
/** How long a worker's record, and its claim on its name, outlive its last heartbeat. */
const RECORD_TTL_MS = 3 * HEARTBEAT_MS
const SWEEP_EVERY = 5

/** The worker a presence is of, as its record shows it. */
export interface PresenceOf {
  readonly redis: Redis
  readonly id: string
  readonly name: string
  readonly threads: number
  readonly version: string
  /** Its shared directory, swept with Redis. */
  readonly large: FileStore | undefined
  /** Calls running on its threads now, and calls of its jobs waiting for a thread. */
  readonly load: () => { readonly running: number; readonly waiting: number }
  /** The runs it has jobs of now. */
  readonly runs: () => readonly string[]
  /** Run `run` has no record any more: its calls here stop. */
  readonly runGone: (run: string) => void
}

export class WorkerPresence {
  private timer: NodeJS.Timeout | undefined
  private beats = 0
  /** The warning last given that another worker holds its name: given once per holder. */
  private nameWarning: string | undefined
  /** Whether its record is written: from when its threads start, as it gets ready. */
  private listed = false
  private readonly since = Date.now()

  constructor(private readonly worker: PresenceOf) {}

  /**
   * Claims its name (`WorkerNameInUseError` if another live worker holds it), before
   * anything slower starts, and renews the claim from now on.
   */
  async claim(): Promise<void> {
    const { redis, name, id } = this.worker
    await claimName(redis, name, id, RECORD_TTL_MS)
    this.timer = setInterval(() => void this.heartbeat(), HEARTBEAT_MS)
  }

  /** Writes its record, now and with every heartbeat from now on. */
  list(): Promise<void> {
    this.listed = true
    return this.heartbeat()
  }

  /**
   * Renews its claim on its name (taking it again if Redis forgot it) and its record at
   * once, as its connection comes back, rather than at the next heartbeat.
   */
  reclaim(): Promise<void> {
    return this.heartbeat()
  }

  /** Stops renewing its claim and its record. */
  stop(): void {
    clearInterval(this.timer)
  }

  /** Removes its record and its claim on its name. */
  release(): Promise<void> {
    const { redis, name, id } = this.worker
    return releaseName(redis, name, id).catch(() => {})
  }

  /**
   * Renews its claim on its name and, once it is listed, its record; now and then clears
   * what runs of dead drivers left.
   */
  private async heartbeat(): Promise<void> {
    const { redis, id, name } = this.worker
    const renewed = renewName(redis, name, id, RECORD_TTL_MS).then(
      (taken) => this.nameTaken(taken),
      () => {},
    )
    if (!this.listed) return renewed
    const key = workerKey(id)
    const { running, waiting } = this.worker.load()
    const record = {
      id,
      name,
      host: hostname(),
      pid: process.pid,
      threads: this.worker.threads,
      running,
      waiting,
      rss: process.memoryUsage.rss(),
      taskgraph: this.worker.version,
      node: process.versions.node,
      since: this.since,
    }
    await writeWorkerRecord(redis, key, record, RECORD_TTL_MS).catch(() => undefined)
    await renewed
    await this.dropGoneRuns().catch(() => undefined)
    if (this.beats++ % SWEEP_EVERY === 0) {
      await sweepEndedRuns(redis, this.worker.large).catch(() => undefined)
    }
  }

  /**
   * Stops the calls of its runs whose record is gone. The sweep finds the runs of dead
   * drivers on the list of runs, but a Redis restarted without its data forgot the list
   * too: their driver's notice that they ended may have gone out while this worker was
   * disconnected, and their long tasks would hold its threads to their end.
   */
  private async dropGoneRuns(): Promise<void> {
    const runs = this.worker.runs()
    if (runs.length === 0) return
    const pipeline = this.worker.redis.pipeline()
    for (const run of runs) pipeline.exists(runKey(run))
    const answers = (await pipeline.exec()) ?? []
    runs.forEach((run, i) => {
      const [error, exists] = answers[i] ?? [null, 1]
      if (error === null && exists === 0) this.worker.runGone(run)
    })
  }

  /** Warns, once per holder, that another worker took its name (`warning`, if any). */
  private nameTaken(warning: string | undefined): void {
    if (warning === undefined || warning === this.nameWarning) return
    this.nameWarning = warning
    process.emitWarning(warning, { code: 'TASKGRAPH_CLUSTER_NAME_TAKEN' })
  }
}
