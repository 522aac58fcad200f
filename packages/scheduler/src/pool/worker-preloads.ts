import { PACKAGE_ENTRY } from '../package-files.js'

/**
 * taskgraph's own packages, which task modules import (through `taskgraph` or directly):
 * a pool's workers load them before they register a TypeScript loader (see
 * `InitMessage.packages`). Loaded then, natively, they take milliseconds; once the
 * loader's hooks are in place every import waits on the loader's thread, and a package
 * of some twenty modules adds tens of milliseconds to each worker's start. Named by URL,
 * as the worker entries are: the worker side imports nothing of this side.
 */
const preloads = new Set([PACKAGE_ENTRY])

/**
 * Has workers started from now on load the module at `url` (a taskgraph package's entry,
 * as its `import.meta.url`) before their TypeScript loader. For taskgraph's packages
 * built on the scheduler: @taskgraph/patterns and taskgraph itself call it as they load.
 */
export function loadFirstInWorkers(url: string): void {
  preloads.add(url)
}

/** The modules workers load first, the scheduler's own entry among them. */
export function workerPreloads(): string[] {
  return [...preloads]
}
