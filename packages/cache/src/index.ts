// The public API of @taskgraph/cache: a cross-run cache of task results, and its parts.
export { TaskCache, type TaskCacheOptions } from './task-cache.js'
export { SourceFingerprints } from './source-fingerprints.js'
export {
  DiskCache,
  DEFAULT_MAX_SIZE,
  type CacheEntry,
  type CacheLimits,
  type CacheLookup,
} from './disk-cache.js'
export type { EntryInfo } from './entry-file.js'
