import type { ComputeHooks, TaskRecord, TaskWorker } from '@taskgraph/scheduler'
import { errorMessage } from '../error-message.js'
import type { ResourceSample } from '../resource-profiler.js'
import type {
  Bar,
  ClusterWorkerRow,
  DashboardUpdate,
  FailureRow,
  RunStatus,
  WorkerSlot,
} from './dashboard-update.js'

/** How far back a worker's busy share looks. */
export const BUSY_WINDOW_MS = 5000
/** Failures an update lists (the latest); more are counted only. */
const FAILURES_KEPT = 100
/** Bars a page that joins is sent, and most sent in one update: a canvas shows no more. */
const BARS_KEPT = 2000

interface Group {
  readonly name: string
  total: number
  done: number
  failed: number
  running: number
  cached: number
  cancelled: number
}

interface Slot {
  readonly worker: TaskWorker
  tasks: number
  /** Recent attempts' [start, end] in epoch ms, oldest first, for the busy share. */
  readonly spans: [number, number][]
}

/**
 * Where a run stands, kept from its hooks for the dashboard: counts per function group,
 * workers seen in task records, recent task bars and failures, the latest resource
 * sample. `update()` gives what changed since the last call, `snapshot()` all a page
 * that joins needs.
 */
export class DashboardState {
  #run = 0
  #status: RunStatus = 'waiting'
  #executor = ''
  #origin = Date.now()
  #total = 0
  #done = 0
  #cached = 0
  #failed = 0
  #skipped = 0
  #cancelled = 0
  readonly #totals: ReadonlyMap<string, number>
  #groups = new Map<string, Group>()
  #groupIndex = new Map<string, number>()
  readonly #slots = new Map<string, Slot>()
  readonly #slotIndex = new Map<string, number>()
  /** Running tasks' function names, by key. */
  readonly #running = new Map<string, string>()
  #failures: FailureRow[] = []
  #recent: Bar[] = []
  #pending: Bar[] = []
  #resources: ResourceSample | undefined
  #cluster: readonly ClusterWorkerRow[] | undefined
  #changed = true

  readonly #threads: number | undefined

  /**
   * `totals`: each function's number of tasks in the run; `threads`: the
   * executor's worker threads, if known.
   */
  constructor(totals: ReadonlyMap<string, number> = new Map(), threads?: number) {
    this.#threads = threads
    this.#totals = totals
    this.#reset()
  }

  readonly hooks: ComputeHooks = {
    onStart: ({ tasks, executor }) => {
      this.#run++
      this.#reset()
      this.#status = 'running'
      this.#executor = executor
      this.#total = tasks
      this.#origin = Date.now()
    },
    onTaskStart: ({ key, name }) => {
      this.#running.set(key, name)
      this.#group(name).running++
      this.#changed = true
    },
    onTaskRetry: ({ key }) => this.#stopped(key),
    onTasksAdded: ({ tasks }) => {
      this.#total += tasks
      this.#changed = true
    },
    onTaskEnd: ({ key, name }, outcome) => {
      this.#stopped(key)
      const group = this.#group(name)
      if (outcome.error === undefined) {
        group.done++
        this.#done++
        return
      }
      // A late failure comes after the task was counted done.
      if (outcome.late === true) {
        group.done--
        this.#done--
      }
      group.failed++
      this.#failed++
      // The run's `TaskError` names the task, which the row shows apart: its cause is
      // what the task threw.
      const { error } = outcome
      const cause = error instanceof Error && error.cause !== undefined ? error.cause : error
      this.#failures.push({ key, name, message: errorMessage(cause), at: Date.now() })
      if (this.#failures.length > FAILURES_KEPT) this.#failures.shift()
    },
    onTaskRecord: (record) => this.#record(record),
    onFinish: ({ skipped }) => {
      this.#skipped = skipped
      this.end()
    },
  }

  /**
   * The run is over, whether or not the hooks heard its end (it was cancelled, say).
   * Tasks still running then were cancelled (as the trace and report mark them), and
   * those that never started were skipped: the counts add up to the run's tasks.
   */
  end(): void {
    if (this.#status === 'ended') return
    this.#status = 'ended'
    for (const name of this.#running.values()) {
      const group = this.#group(name)
      group.running--
      group.cancelled++
      this.#cancelled++
    }
    this.#running.clear()
    if (this.#cancelled > 0) {
      this.#skipped = Math.max(0, this.#total - this.#done - this.#failed - this.#cancelled)
    }
    this.#changed = true
  }

  /** The latest resource sample (the same one again changes nothing). */
  resources(sample: ResourceSample): void {
    if (sample === this.#resources) return
    this.#resources = sample
    this.#changed = true
  }

  /** The cluster's workers, as its registry lists them now. */
  cluster(workers: readonly ClusterWorkerRow[]): void {
    this.#cluster = workers
    this.#changed = true
  }

  /** What changed since the last update, with the bars that ended since; none if nothing. */
  update(): DashboardUpdate | undefined {
    if (!this.#changed) return undefined
    this.#changed = false
    const bars = this.#pending
    this.#pending = []
    return this.#message(bars)
  }

  /** All a page that joins needs: the counts and the recent bars. */
  snapshot(): DashboardUpdate {
    return this.#message(this.#recent)
  }

  #reset(): void {
    this.#done = this.#failed = this.#skipped = this.#cached = this.#cancelled = 0
    this.#groups = new Map()
    this.#groupIndex = new Map()
    for (const [name, total] of this.#totals) this.#group(name).total = total
    this.#running.clear()
    this.#failures = []
    this.#recent = []
    this.#pending = []
    this.#slots.clear()
    this.#slotIndex.clear()
    this.#changed = true
  }

  #group(name: string): Group {
    let group = this.#groups.get(name)
    if (group === undefined) {
      group = { name, total: 0, done: 0, failed: 0, running: 0, cached: 0, cancelled: 0 }
      this.#groupIndex.set(name, this.#groups.size)
      this.#groups.set(name, group)
    }
    return group
  }

  #stopped(key: string): void {
    const name = this.#running.get(key)
    if (name === undefined) return
    this.#running.delete(key)
    this.#group(name).running--
    this.#changed = true
  }

  #record(record: TaskRecord): void {
    if (record.status === 'cached') {
      // Read from the cache as the run began: it ran nowhere, and has no bar.
      this.#group(record.name).cached++
      this.#cached++
      this.#changed = true
      return
    }
    const id = slotId(record.worker)
    let slot = this.#slots.get(id)
    if (slot === undefined) {
      slot = { worker: record.worker, tasks: 0, spans: [] }
      this.#slotIndex.set(id, this.#slots.size)
      this.#slots.set(id, slot)
    }
    slot.tasks++
    slot.spans.push([record.startedAt, record.endedAt])
    // Spans are kept only as long as the busy share looks back, and a few for a burst.
    if (slot.spans.length > 64) slot.spans.splice(0, slot.spans.length - 64)
    this.#group(record.name)
    const status = record.status === 'done' ? 0 : record.status === 'failed' ? 1 : 2
    const bar: Bar = [
      this.#slotIndex.get(id)!,
      this.#groupIndex.get(record.name)!,
      round(record.startedAt - this.#origin),
      round(record.endedAt - this.#origin),
      status,
    ]
    this.#recent.push(bar)
    this.#pending.push(bar)
    if (this.#recent.length > 2 * BARS_KEPT) this.#recent = this.#recent.slice(-BARS_KEPT)
    if (this.#pending.length > 2 * BARS_KEPT) this.#pending = this.#pending.slice(-BARS_KEPT)
    this.#changed = true
  }

  #message(bars: readonly Bar[]): DashboardUpdate {
    const now = Date.now()
    const slots = [...this.#slots.values()].map((slot) => slotRow(slot, now, this.#origin))
    const sample = this.#resources
    const processes =
      sample === undefined
        ? []
        : [
            { ...sample.main, role: 'main' as const },
            ...sample.children.map((child) => ({ ...child, role: 'child' as const })),
          ]
    return {
      run: this.#run,
      status: this.#status,
      executor: this.#executor,
      origin: this.#origin,
      now,
      total: this.#total,
      done: this.#done,
      cached: this.#cached,
      failed: this.#failed,
      running: this.#running.size,
      cancelled: this.#cancelled,
      skipped: this.#skipped,
      groups: [...this.#groups.values()].map((group) => ({
        ...group,
        total: Math.max(
          group.total,
          group.done + group.failed + group.running + group.cached + group.cancelled,
        ),
      })),
      slots,
      ...(this.#threads === undefined ? {} : { threads: this.#threads }),
      processes,
      ...(sample === undefined ? {} : { sampledAt: sample.time }),
      ...(this.#cluster === undefined ? {} : { cluster: this.#cluster }),
      failures: this.#failures,
      bars: bars.length > BARS_KEPT ? bars.slice(-BARS_KEPT) : bars,
    }
  }
}

function slotId({ host, pid, threadId }: TaskWorker): string {
  return `${host}\u0000${pid}\u0000${threadId}`
}

function slotRow(slot: Slot, now: number, origin: number): WorkerSlot {
  const { kind, host, pid, threadId, name } = slot.worker
  const thread = threadId === 0 ? `pid ${pid}` : `thread ${threadId}`
  const label = kind === 'main' ? 'main' : name === undefined ? thread : `${name} ${thread}`
  // A run younger than the window is measured over its life so far.
  const from = Math.max(origin, now - BUSY_WINDOW_MS)
  let busyMs = 0
  for (const [start, end] of slot.spans) {
    busyMs += Math.max(0, Math.min(end, now) - Math.max(start, from))
  }
  const busy = now > from ? Math.min(1, busyMs / (now - from)) : 0
  return { label, kind, host, pid, tasks: slot.tasks, busy: Math.round(busy * 100) / 100 }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10
}
