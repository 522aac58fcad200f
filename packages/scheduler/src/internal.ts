// What other taskgraph packages use from the scheduler and users do not: not part of the
// public API, and free to change between versions.

export { watchParent, type WatchParentOptions } from './process/watch-parent.js'
export { announceLoading } from './worker/loading.js'
export {
  RUN_OPTION_VARIABLES,
  invalidEnvValue,
  readEnvRunOptions,
  envValue,
  type EnvRunOptions,
} from './run/env-options.js'
