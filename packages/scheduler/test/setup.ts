// Tests that hand pool executors functions no worker can find (closures made in a test)
// see them run on the main thread, and the pools warn about each (TASKGRAPH_MAIN_THREAD);
// the tests about that listen for the warnings themselves, as they do for an external
// executor's own fallback warning (external-executor.ts). Node's own printing of
// warnings is off (--no-warnings in vitest.config.ts); this prints every other warning
// as Node would.
import { EXTERNAL } from './external-executor.js'

const QUIET = new Set(['TASKGRAPH_MAIN_THREAD', EXTERNAL?.fallbackWarning])
process.on('warning', (warning: Error & { code?: string }) => {
  if (!QUIET.has(warning.code)) console.warn(warning)
})
