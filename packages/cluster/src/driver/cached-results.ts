import { deserialize, serialize } from 'node:v8'
import type { ResultStore } from '../store/result-store.js'
import { StoredResult } from '../wire/stored-values.js'

// How a run's persistent cache and the cluster's store meet (`Executor.keep` and
// `fetch`): the driver moves a cached task's result between them, one value at a time,
// in the bytes workers read and write.

/**
 * Keeps `value`, the cached result of task `key`, in the run's scope of `store`, where
 * workers read it as they read any result. Resolves with its `StoredResult`, or with
 * `value` itself if the store cannot take it (too large without a shared directory, or
 * the run has ended): tasks are then handed it whole.
 */
export async function keepCached(
  store: ResultStore,
  run: string,
  key: string,
  value: unknown,
  limits: { readonly maxStoredBytes: number; readonly largeStore: boolean },
): Promise<unknown> {
  const bytes = serialize(value)
  const large = bytes.length >= limits.maxStoredBytes
  if (large && !limits.largeStore) return value
  const stored = await store.put(run, [{ key, bytes }])
  return stored ? new StoredResult(run, key, large) : value
}

/** The value `result` stands for, if it is a `StoredResult`, read from `store`. */
export async function fetchStored(store: ResultStore, result: unknown): Promise<unknown> {
  if (!(result instanceof StoredResult)) return result
  const [bytes] = await store.get(result.run, [result.key])
  if (bytes === undefined) {
    throw new Error(
      `the result of task ${JSON.stringify(result.key)} is gone from the cluster's store`,
    )
  }
  return deserialize(bytes)
}
