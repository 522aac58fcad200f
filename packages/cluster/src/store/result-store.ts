/**
 * Where results live, addressed by a scope (a run) and a key (a task's). A cluster keeps
 * its intermediate results here, so they never pass through the driver; a persistent
 * cache can keep results in a store of this kind too.
 */
export interface ResultStore {
  /**
   * Stores the entries under `scope`, if the scope is still open (for a run: the run has
   * not ended). Resolves with whether they were stored. Storing a key twice keeps one
   * value (a task that ran twice stores one result).
   */
  put(scope: string, entries: readonly StoreEntry[]): Promise<boolean>
  /** The values of `keys` (`undefined` for one not stored). */
  get(scope: string, keys: readonly string[]): Promise<(Buffer | undefined)[]>
  /** Removes `keys`' values. */
  delete(scope: string, keys: readonly string[]): Promise<void>
  /** Removes every value of the scope. */
  clear(scope: string): Promise<void>
}

export interface StoreEntry {
  readonly key: string
  readonly bytes: Buffer
}
