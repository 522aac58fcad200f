// The public API of @taskgraph/cache: a cross-run cache of task results, for the `cache`
// run option and `taskgraph run --cache`.
export { TaskCache, type TaskCacheOptions } from './task-cache.js'
export { DEFAULT_MAX_SIZE, type CacheLimits } from './cache-units.js'
export type { CacheEntry } from './list-entries.js'
export type { EntryInfo, EntryRecipe } from './entry-file.js'
export { UnknownTaskError } from './unknown-task-error.js'
export { CacheAccessError } from './cache-access-error.js'
export { NotACacheError } from './not-a-cache-error.js'
