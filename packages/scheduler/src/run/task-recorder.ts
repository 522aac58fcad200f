import { hostname } from 'node:os'
import { threadId } from 'node:worker_threads'
import type { TaskGraph } from '@taskgraph/core/internal'
import type { CallTiming } from '../executors/executor.js'
import { epochNow } from '../wire/epoch-time.js'
import type { Flight } from './flight.js'
import type { ComputeHooks } from './hooks.js'
import { recordSinkOf, type RecordSink } from './record-sink.js'
import type { TaskRecord, TaskStatus, TaskWorker } from './task-record.js'

/** This thread: where calls run that no worker measured (inline, async, main-thread tasks). */
const HERE: TaskWorker = { kind: 'main', host: hostname(), pid: process.pid, threadId }

/**
 * Makes a run's task records (`ComputeHooks.onTaskRecord`), one per attempt of each task,
 * from what the executor measured where the call ran, or else from what this thread saw.
 * Inactive, and costing nothing, when no hook reads them. A hook that stands for a sink
 * (a Profiler's) has its records written there: the common one as a node and two times.
 */
export class TaskRecorder {
  readonly active: boolean
  private readonly sink: RecordSink | undefined
  /** This run's number in the sink. */
  private readonly run: number

  constructor(
    private readonly graph: TaskGraph,
    private readonly hooks: ComputeHooks | undefined,
    private readonly executor: string,
  ) {
    this.active = hooks?.onTaskRecord !== undefined
    const sink = recordSinkOf(hooks)
    this.sink = sink
    this.run = sink === undefined ? -1 : sink.open(graph, executor, HERE)
  }

  /** The call is handed to the executor now, as attempt `attempt`. */
  launched(flight: Flight, attempt: number): void {
    if (!this.active) return
    flight.attempt = attempt
    flight.queuedAt = epochNow()
    flight.localStart = flight.queuedAt
    flight.startedOn = undefined
  }

  /** The executor says the call began, on `worker` if it says where. */
  began(flight: Flight, worker: TaskWorker | undefined): void {
    if (!this.active || flight.timing !== undefined) return
    flight.localStart = epochNow()
    flight.startedOn = worker
  }

  /** What the call's worker measured, for `TaskCall.timed`; `undefined` if inactive. */
  timer(flight: Flight): ((timing: CallTiming) => void) | undefined {
    if (!this.active) return undefined
    return (timing) => (flight.timing = timing)
  }

  /** The task `key` of function `name` did not run: its result came from the cache. */
  cached(key: string, name: string): void {
    if (!this.active) return
    const now = epochNow()
    this.deliver({
      key,
      name,
      executor: this.executor,
      worker: HERE,
      attempt: 1,
      queuedAt: now,
      startedAt: now,
      endedAt: now,
      status: 'cached',
    })
  }

  /** Step `step` of the call (node `node`) ended with `status`. */
  ended(flight: Flight, step: number, status: TaskStatus, error?: unknown): void {
    if (!this.active) return
    const sink = this.sink
    // The record of nearly every task run on this thread: a node and two times.
    if (
      sink !== undefined &&
      status === 'done' &&
      flight.timing === undefined &&
      flight.attempt === 1 &&
      flight.localStart === flight.queuedAt
    ) {
      sink.done(this.run, flight.members[step]!, flight.queuedAt, epochNow())
      return
    }
    this.deliver(this.recordOf(flight, step, status, error))
  }

  /** The run has ended: the sink may let go of its graph (see `RecordSink.close`). */
  close(): void {
    this.sink?.close(this.run)
  }

  /** The record of step `step` of `flight`, as its worker measured it or this thread saw it. */
  private recordOf(flight: Flight, step: number, status: TaskStatus, error: unknown): TaskRecord {
    const node = flight.members[step]!
    const measured = flight.timing
    // Another thread's or process's clock (its own time origin; another machine's
    // clock) can run behind this one's: a call never starts before it was handed over,
    // so its times move forward by the lag, keeping every duration.
    const lag = measured === undefined ? 0 : Math.max(0, flight.queuedAt - measured.steps[0]!)
    // One shape for every record (a failure's error and a size are rare additions).
    const record: { -readonly [K in keyof TaskRecord]: TaskRecord[K] } = {
      key: this.graph.key(node),
      name: this.graph.name(node),
      executor: this.executor,
      worker: measured?.worker ?? flight.startedOn ?? HERE,
      attempt: flight.attempt,
      queuedAt: flight.queuedAt,
      startedAt: measured === undefined ? flight.localStart : measured.steps[2 * step]! + lag,
      endedAt: measured === undefined ? epochNow() : measured.steps[2 * step + 1]! + lag,
      status,
    }
    if (status === 'failed') record.error = error
    const bytes = measured?.resultBytes
    if (bytes !== undefined && step === flight.members.length - 1) record.resultBytes = bytes
    return record
  }

  private deliver(record: TaskRecord): void {
    if (this.sink !== undefined) this.sink.write(this.run, record)
    else this.hooks!.onTaskRecord!(record)
  }
}
