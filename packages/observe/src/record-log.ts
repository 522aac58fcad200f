import type { TaskRecord, TaskWorker } from '@taskgraph/scheduler'
import type { RecordedTasks, RecordSink } from '@taskgraph/scheduler/internal'
import { RecordedRun } from './recorded-run.js'

/**
 * The numbers kept of each record, in this order: the node of its run (0 or more) for
 * the common record (`RecordSink.done`), else -1 - the index of the record, kept whole;
 * then the common record's start and end.
 */
const REF = 0
const STARTED = 1
const ENDED = 2
const WIDTH = 3

/**
 * Records in the first chunk, and most in one: chunks double in size up to this. The
 * first few chunks are made while the code that adds records is still being warmed up,
 * so that making one later is code it has seen, not a reason to throw away its
 * optimised form at record 4,096 (which a first chunk of the full size cost).
 */
const FIRST_CHUNK = 16
const CHUNK = 4096

/** The run number of records given whole (`add`), from no run. */
const NO_RUN = -2

/**
 * Task records kept as numbers: a run of 100,000 tasks adds typed arrays, not 100,000
 * objects (nor arrays of references) for the garbage collector to scan and carry into
 * its old generation while the run goes on. The common record, a first attempt that
 * succeeded on the thread of its run, is three numbers: 24 bytes, since memory written
 * for the first time costs a page fault per 4 KiB (at 64 bytes a record, about 5 ms of
 * a run of 100,000 trivial tasks). What it shares with its run (key and name, by node;
 * executor; worker) is kept once, by the run. Other records (failures, retries, cached
 * results, those measured by workers) are kept whole. Records are made when asked for.
 *
 * Storage grows by chunks, never by copying: `done` runs once per task on the
 * scheduler's thread, and growing one typed array by doubling cost more than the rest
 * of it (zero-filling and copying ever larger buffers).
 */
export class RecordLog implements RecordSink {
  readonly #chunks: Float64Array[] = []
  /** The chunk being filled (the last), the rows it has room for, and the next row. */
  #numbers = new Float64Array(0)
  #rows = 0
  #at = 0
  /** Records in the chunks before it. */
  #before = 0
  /** Records kept whole, by index. */
  #whole: TaskRecord[] = []
  /** Every run opened, by number (`undefined` once let go of and no longer read). */
  readonly #runs: (RecordedRun | undefined)[] = []
  /**
   * Whose records follow from where, as pairs: the index of a record, the run that
   * wrote it and those after it. Runs sharing the log interleave their records.
   */
  #segments: number[] = []
  #writer = -1
  /** Runs ended whose tasks are still read from. */
  #ended: RecordedRun[] = []
  #made: TaskRecord[] | undefined

  get length(): number {
    return this.#before + this.#at
  }

  /** A record given whole (what a Profiler's hook is given when it is called). */
  add(record: TaskRecord): void {
    this.write(NO_RUN, record)
  }

  open(tasks: RecordedTasks, executor: string, worker: TaskWorker): number {
    return this.#runs.push(new RecordedRun(tasks, executor, worker)) - 1
  }

  done(run: number, node: number, startedAt: number, endedAt: number): void {
    if (run !== this.#writer) this.#follow(run)
    let at = this.#at
    if (at === this.#rows) at = this.#grow()
    const numbers = this.#numbers
    const row = WIDTH * at
    numbers[row + REF] = node
    numbers[row + STARTED] = startedAt
    numbers[row + ENDED] = endedAt
    this.#at = at + 1
  }

  write(run: number, record: TaskRecord): void {
    if (run !== this.#writer) this.#follow(run)
    let at = this.#at
    if (at === this.#rows) at = this.#grow()
    this.#numbers[WIDTH * at + REF] = -1 - this.#whole.length
    this.#whole.push(record)
    this.#at = at + 1
  }

  /**
   * Once the run has ended, what its records need of its tasks is copied, on the event
   * loop's next turn (not while runs wait on it), or when the records are read first.
   */
  close(run: number): void {
    const recorded = this.#runs[run]
    if (recorded === undefined || recorded.closed) return
    recorded.closed = true
    if (this.#ended.push(recorded) === 1) setImmediate(() => this.#letGo()).unref()
  }

  /** The records, in the order they were added (made once until the next one). */
  records(): readonly TaskRecord[] {
    const length = this.length
    if (this.#made?.length === length) return this.#made
    const made = new Array<TaskRecord>(length)
    const segments = this.#segments
    let s = 0
    let run: RecordedRun | undefined
    let i = 0
    for (const numbers of this.#chunks) {
      const end = Math.min(i + numbers.length / WIDTH, length)
      for (let row = 0; i < end; row += WIDTH, i++) {
        if (segments[s] === i) {
          run = this.#runs[segments[s + 1]!]
          s += 2
        }
        const ref = numbers[row + REF]!
        made[i] =
          ref >= 0
            ? run!.done(ref, numbers[row + STARTED]!, numbers[row + ENDED]!)
            : copyOf(this.#whole[-1 - ref]!)
      }
    }
    this.#made = made
    return made
  }

  clear(): void {
    this.#chunks.length = 0
    this.#numbers = new Float64Array(0)
    this.#rows = 0
    this.#at = 0
    this.#before = 0
    this.#whole = []
    this.#segments = []
    this.#writer = -1
    this.#made = undefined
    // Runs still going on write on; those ended have no records left.
    this.#runs.forEach((run, number) => {
      if (run?.closed === true) this.#runs[number] = undefined
    })
  }

  /** The records from here on are run `run`'s. */
  #follow(run: number): void {
    this.#segments.push(this.length, run)
    this.#writer = run
  }

  /** Starts a new chunk; returns the row to write in it. */
  #grow(): number {
    this.#before += this.#rows
    const rows = Math.min(2 * this.#rows || FIRST_CHUNK, CHUNK)
    this.#numbers = new Float64Array(WIDTH * rows)
    this.#chunks.push(this.#numbers)
    this.#rows = rows
    this.#at = 0
    return 0
  }

  #letGo(): void {
    for (const run of this.#ended) run.letGo()
    this.#ended = []
  }
}

/** `record` as the log gives it back: its fields, and a failure's error. */
function copyOf(record: TaskRecord): TaskRecord {
  const copy: { -readonly [K in keyof TaskRecord]: TaskRecord[K] } = {
    key: record.key,
    name: record.name,
    executor: record.executor,
    worker: record.worker,
    attempt: record.attempt,
    queuedAt: record.queuedAt,
    startedAt: record.startedAt,
    endedAt: record.endedAt,
    status: record.status,
  }
  if (record.error !== undefined || record.status === 'failed') copy.error = record.error
  if (record.resultBytes !== undefined) copy.resultBytes = record.resultBytes
  return copy
}
