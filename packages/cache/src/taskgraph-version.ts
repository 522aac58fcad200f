import { createRequire } from 'node:module'

/**
 * taskgraph's version (its packages are released together, at one version): in every
 * key, so results are kept apart from another version's.
 */
export const TASKGRAPH_VERSION = (
  createRequire(import.meta.url)('../package.json') as { version: string }
).version
