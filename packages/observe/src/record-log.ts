import type { TaskRecord, TaskStatus, TaskWorker } from '@taskgraph/scheduler'

/**
 * Task records kept column by column: a run of 100,000 tasks adds a few arrays of numbers
 * and references, not 100,000 objects for the garbage collector to carry into its old
 * generation while the run goes on. Records are made again when asked for.
 */
export class RecordLog {
  readonly #keys: string[] = []
  readonly #names: string[] = []
  readonly #executors: string[] = []
  readonly #workers: TaskWorker[] = []
  readonly #statuses: TaskStatus[] = []
  // Attempt, queued, started and ended of each record, in a typed array: memory the
  // garbage collector neither scans nor moves.
  #numbers = new Float64Array(4 * 1024)
  /** The rare fields, by index. */
  readonly #errors = new Map<number, unknown>()
  readonly #sizes = new Map<number, number>()
  #made: TaskRecord[] | undefined

  get length(): number {
    return this.#keys.length
  }

  add(record: TaskRecord): void {
    const i = this.#keys.length
    this.#keys.push(record.key)
    this.#names.push(record.name)
    this.#executors.push(record.executor)
    this.#workers.push(record.worker)
    this.#statuses.push(record.status)
    if (4 * i === this.#numbers.length) {
      const grown = new Float64Array(2 * this.#numbers.length)
      grown.set(this.#numbers)
      this.#numbers = grown
    }
    const numbers = this.#numbers
    numbers[4 * i] = record.attempt
    numbers[4 * i + 1] = record.queuedAt
    numbers[4 * i + 2] = record.startedAt
    numbers[4 * i + 3] = record.endedAt
    if (record.error !== undefined || record.status === 'failed') this.#errors.set(i, record.error)
    if (record.resultBytes !== undefined) this.#sizes.set(i, record.resultBytes)
    this.#made = undefined
  }

  /** The records, in the order they were added (made once until the next `add`). */
  records(): readonly TaskRecord[] {
    this.#made ??= Array.from({ length: this.length }, (_, i) => this.#record(i))
    return this.#made
  }

  clear(): void {
    for (const column of [
      this.#keys,
      this.#names,
      this.#executors,
      this.#workers,
      this.#statuses,
    ]) {
      column.length = 0
    }
    this.#errors.clear()
    this.#sizes.clear()
    this.#made = undefined
  }

  #record(i: number): TaskRecord {
    const record: { -readonly [K in keyof TaskRecord]: TaskRecord[K] } = {
      key: this.#keys[i]!,
      name: this.#names[i]!,
      executor: this.#executors[i]!,
      worker: this.#workers[i]!,
      attempt: this.#numbers[4 * i]!,
      queuedAt: this.#numbers[4 * i + 1]!,
      startedAt: this.#numbers[4 * i + 2]!,
      endedAt: this.#numbers[4 * i + 3]!,
      status: this.#statuses[i]!,
    }
    if (this.#errors.has(i)) record.error = this.#errors.get(i)
    const size = this.#sizes.get(i)
    if (size !== undefined) record.resultBytes = size
    return record
  }
}
