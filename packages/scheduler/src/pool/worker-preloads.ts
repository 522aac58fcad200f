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

/** Modules every pool made from now on imports first (see `preloadInEveryPool`). */
const everyPool = new Set<string>()

/**
 * Has every pool made from now on in this thread import the module at `url` before its
 * own `preload` modules: for a program that makes its workers ready to load its code,
 * such as `taskgraph run`, whose workflow may make pools of its own (a compute inside
 * a task, `parallelMap`).
 */
export function preloadInEveryPool(url: string): void {
  everyPool.add(url)
}

/** The preload modules of a pool given `own`: those of every pool first, each once. */
export function poolPreloads(own: readonly string[]): string[] {
  return [...new Set([...everyPool, ...own])]
}
