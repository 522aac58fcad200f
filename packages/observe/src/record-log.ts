import type { TaskRecord, TaskStatus, TaskWorker } from '@taskgraph/scheduler'
import type { RecordSink } from '@taskgraph/scheduler/internal'

/** The numbers kept of each record, in this order. */
const ATTEMPT = 0
const QUEUED = 1
const STARTED = 2
const ENDED = 3
/** Indexes into the tables of values many records share. */
const NAME = 4
const EXECUTOR = 5
const WORKER = 6
const STATUS = 7
const WIDTH = 8

const STATUSES: readonly TaskStatus[] = ['done', 'failed', 'cancelled', 'cached']

/**
 * Records in the first chunk, and most in one: chunks double in size up to this. The
 * first few chunks are made while the code that adds records is still being warmed up,
 * so that making one later is code it has seen, not a reason to throw away its
 * optimised form at record 4,096 (which a first chunk of the full size cost).
 */
const FIRST_CHUNK = 16
const CHUNK = 4096

/**
 * Task records kept as numbers: a run of 100,000 tasks adds arrays of keys and typed
 * arrays, not 100,000 objects (nor arrays of references) for the garbage collector to
 * scan and carry into its old generation while the run goes on. What many records share
 * (a function name, an executor, a worker) is kept once and referred to by index.
 * Records are made again when asked for.
 *
 * Storage grows by chunks, never by copying: `write` runs once per task attempt on the
 * scheduler's thread, and growing one typed array by doubling cost more than the rest
 * of it (zero-filling and copying ever larger buffers).
 */
export class RecordLog implements RecordSink {
  readonly #keyChunks: string[][] = []
  readonly #numberChunks: Float64Array[] = []
  /** The chunks being filled (the last of each list), and the next row in them. */
  #keys: string[] = []
  #numbers = new Float64Array(0)
  #at = 0
  #length = 0
  readonly #names = new Table<string>()
  readonly #executors = new Table<string>()
  readonly #workers = new Table<TaskWorker>()
  /** The rare fields, by index. */
  readonly #errors = new Map<number, unknown>()
  readonly #sizes = new Map<number, number>()
  #made: TaskRecord[] | undefined

  get length(): number {
    return this.#length
  }

  add(record: TaskRecord): void {
    this.write(
      record.key,
      record.name,
      record.executor,
      record.worker,
      record.attempt,
      record.queuedAt,
      record.startedAt,
      record.endedAt,
      record.status,
      record.error,
      record.resultBytes,
    )
  }

  /** `add`, field by field: how the scheduler hands a Profiler its records (`RecordSink`). */
  write(
    key: string,
    name: string,
    executor: string,
    worker: TaskWorker,
    attempt: number,
    queuedAt: number,
    startedAt: number,
    endedAt: number,
    status: TaskStatus,
    error: unknown,
    resultBytes: number | undefined,
  ): void {
    const i = this.#length++
    let at = this.#at++
    if (at === this.#keys.length) {
      const size = Math.min(2 * at || FIRST_CHUNK, CHUNK)
      this.#keys = new Array<string>(size)
      this.#numbers = new Float64Array(WIDTH * size)
      this.#keyChunks.push(this.#keys)
      this.#numberChunks.push(this.#numbers)
      at = 0
      this.#at = 1
    }
    this.#keys[at] = key
    const row = WIDTH * at
    const numbers = this.#numbers
    numbers[row + ATTEMPT] = attempt
    numbers[row + QUEUED] = queuedAt
    numbers[row + STARTED] = startedAt
    numbers[row + ENDED] = endedAt
    numbers[row + NAME] = this.#names.indexOf(name)
    numbers[row + EXECUTOR] = this.#executors.indexOf(executor)
    numbers[row + WORKER] = this.#workers.indexOf(worker)
    numbers[row + STATUS] = status === 'done' ? 0 : STATUSES.indexOf(status)
    if (error !== undefined || status === 'failed') this.#errors.set(i, error)
    if (resultBytes !== undefined) this.#sizes.set(i, resultBytes)
    this.#made = undefined
  }

  /** The records, in the order they were added (made once until the next `add`). */
  records(): readonly TaskRecord[] {
    if (this.#made !== undefined) return this.#made
    const made = new Array<TaskRecord>(this.#length)
    let i = 0
    this.#keyChunks.forEach((keys, chunk) => {
      const numbers = this.#numberChunks[chunk]!
      const end = Math.min(i + keys.length, this.#length)
      for (let at = 0; i < end; at++, i++) made[i] = this.#record(i, keys[at]!, numbers, WIDTH * at)
    })
    this.#made = made
    return made
  }

  clear(): void {
    this.#keyChunks.length = 0
    this.#numberChunks.length = 0
    this.#keys = []
    this.#numbers = new Float64Array(0)
    this.#at = 0
    this.#length = 0
    this.#errors.clear()
    this.#sizes.clear()
    this.#made = undefined
  }

  /** Record `i`, whose key is `key` and whose numbers are in `numbers` from `row`. */
  #record(i: number, key: string, numbers: Float64Array, row: number): TaskRecord {
    const record: { -readonly [K in keyof TaskRecord]: TaskRecord[K] } = {
      key,
      name: this.#names.at(numbers[row + NAME]!),
      executor: this.#executors.at(numbers[row + EXECUTOR]!),
      worker: this.#workers.at(numbers[row + WORKER]!),
      attempt: numbers[row + ATTEMPT]!,
      queuedAt: numbers[row + QUEUED]!,
      startedAt: numbers[row + STARTED]!,
      endedAt: numbers[row + ENDED]!,
      status: STATUSES[numbers[row + STATUS]!]!,
    }
    if (this.#errors.has(i)) record.error = this.#errors.get(i)
    const size = this.#sizes.get(i)
    if (size !== undefined) record.resultBytes = size
    return record
  }
}

/**
 * Values many records share, each kept once. The last value asked for is checked first:
 * records come in runs of one executor, and often of one function or worker.
 */
class Table<T> {
  readonly #values: T[] = []
  readonly #index = new Map<T, number>()
  #last: T | undefined
  #lastIndex = -1

  indexOf(value: T): number {
    if (value === this.#last) return this.#lastIndex
    let index = this.#index.get(value)
    if (index === undefined) {
      index = this.#values.push(value) - 1
      this.#index.set(value, index)
    }
    this.#last = value
    this.#lastIndex = index
    return index
  }

  at(index: number): T {
    return this.#values[index]!
  }
}
