// The entry of a pool's worker processes: a build entry, never exported from the package.
// The compile cache first, so that it covers the worker's own modules.
import { enableCompileCache } from './compile-cache.js'

enableCompileCache()
await import('./process-worker.js')
