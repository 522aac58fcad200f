import type { TaskRecord, TaskStatus, TaskWorker } from '@taskgraph/scheduler'

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

/** Records per chunk: a power of two, so that a record's chunk and row are bit operations. */
const CHUNK_BITS = 12
const CHUNK = 1 << CHUNK_BITS

/**
 * Task records kept as numbers: a run of 100,000 tasks adds arrays of keys and typed
 * arrays, not 100,000 objects (nor arrays of references) for the garbage collector to
 * scan and carry into its old generation while the run goes on. What many records share
 * (a function name, an executor, a worker) is kept once and referred to by index.
 * Records are made again when asked for.
 *
 * Storage grows by chunks of CHUNK records, never by copying: `add` runs once per task
 * attempt on the scheduler's thread, and growing one typed array by doubling cost more
 * than the rest of `add` (zero-filling and copying ever larger buffers).
 */
export class RecordLog {
  readonly #keyChunks: string[][] = []
  readonly #numberChunks: Float64Array[] = []
  /** The chunks being filled (the last of each list). */
  #keys: string[] = []
  #numbers = new Float64Array(0)
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
    const i = this.#length++
    const at = i & (CHUNK - 1)
    if (at === 0) {
      this.#keys = new Array<string>(CHUNK)
      this.#numbers = new Float64Array(WIDTH * CHUNK)
      this.#keyChunks.push(this.#keys)
      this.#numberChunks.push(this.#numbers)
    }
    this.#keys[at] = record.key
    const row = WIDTH * at
    const numbers = this.#numbers
    numbers[row + ATTEMPT] = record.attempt
    numbers[row + QUEUED] = record.queuedAt
    numbers[row + STARTED] = record.startedAt
    numbers[row + ENDED] = record.endedAt
    numbers[row + NAME] = this.#names.indexOf(record.name)
    numbers[row + EXECUTOR] = this.#executors.indexOf(record.executor)
    numbers[row + WORKER] = this.#workers.indexOf(record.worker)
    const status = record.status
    numbers[row + STATUS] = status === 'done' ? 0 : STATUSES.indexOf(status)
    if (record.error !== undefined || status === 'failed') this.#errors.set(i, record.error)
    if (record.resultBytes !== undefined) this.#sizes.set(i, record.resultBytes)
    this.#made = undefined
  }

  /** The records, in the order they were added (made once until the next `add`). */
  records(): readonly TaskRecord[] {
    this.#made ??= Array.from({ length: this.#length }, (_, i) => this.#record(i))
    return this.#made
  }

  clear(): void {
    this.#keyChunks.length = 0
    this.#numberChunks.length = 0
    this.#length = 0
    this.#errors.clear()
    this.#sizes.clear()
    this.#made = undefined
  }

  #record(i: number): TaskRecord {
    const at = i & (CHUNK - 1)
    const row = WIDTH * at
    const numbers = this.#numberChunks[i >>> CHUNK_BITS]!
    const record: { -readonly [K in keyof TaskRecord]: TaskRecord[K] } = {
      key: this.#keyChunks[i >>> CHUNK_BITS]![at]!,
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
