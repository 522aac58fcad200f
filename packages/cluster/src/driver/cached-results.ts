import { serialize } from 'node:v8'
import type { ResultStore, StoreEntry } from '../store/result-store.js'
import { StoredResult } from '../wire/stored-values.js'

// How a run's persistent cache and the cluster's store meet (`Executor.keep` and
// `fetch`): the driver moves a cached task's result between them, in the bytes workers
// read and write.

// A write of kept results holds at most this many (a Lua script's arguments are bounded),
// and this many bytes: a re-run with one input changed keeps thousands, in few writes.
const MAX_BATCH_ENTRIES = 1000
const MAX_BATCH_BYTES = 8 * 2 ** 20

interface Waiting {
  readonly value: unknown
  readonly kept: StoredResult
  readonly resolve: (kept: unknown) => void
}

/**
 * Keeps a run's cached results in its scope of the store, where workers read them as
 * they read any result: those asked for in the same turn of the event loop are written
 * together. Each resolves with its `StoredResult`, or with the value itself if the store
 * cannot take it (too large without a shared directory, or the run has ended): tasks
 * are then handed it whole.
 */
export class CachedKeeper {
  private entries: StoreEntry[] = []
  private waiting: Waiting[] = []
  private bytes = 0

  constructor(
    private readonly store: ResultStore,
    private readonly run: string,
    private readonly limits: { readonly maxStoredBytes: number; readonly largeStore: boolean },
  ) {}

  keep(key: string, value: unknown): Promise<unknown> {
    const bytes = serialize(value)
    const large = bytes.length >= this.limits.maxStoredBytes
    if (large && !this.limits.largeStore) return Promise.resolve(value)
    return new Promise((resolve) => {
      this.entries.push({ key, bytes })
      this.bytes += bytes.length
      const first = this.waiting.push({
        value,
        kept: new StoredResult(this.run, key, large),
        resolve,
      })
      if (this.entries.length >= MAX_BATCH_ENTRIES || this.bytes >= MAX_BATCH_BYTES) this.write()
      else if (first === 1) setImmediate(() => this.write())
    })
  }

  private write(): void {
    const [entries, waiting] = [this.entries, this.waiting]
    if (entries.length === 0) return
    this.entries = []
    this.waiting = []
    this.bytes = 0
    void this.store.put(this.run, entries).then(
      (stored) => {
        for (const { value, kept, resolve } of waiting) resolve(stored ? kept : value)
      },
      () => {
        for (const { value, resolve } of waiting) resolve(value)
      },
    )
  }
}
