import { fileURLToPath } from 'node:url'

// Files of this package reached by URL rather than imported, named here at the root of
// src/: the build bundles modules into files at the root of dist/ (see
// scripts/build-package.mjs), where a path relative to this module holds as it does here.

/** The entry of a pool's worker threads. */
export const THREAD_ENTRY = new URL('./worker/thread-entry.js', import.meta.url)
/** The entry of a pool's worker processes, as a path. */
export const PROCESS_ENTRY = fileURLToPath(new URL('./worker/process-entry.js', import.meta.url))
/** The package's main entry, which pool workers load first (see `loadFirstInWorkers`). */
export const PACKAGE_ENTRY = new URL('./index.js', import.meta.url).href
