// Tests that hand pool executors functions no worker can find (closures made in a test)
// see them run on the main thread, and the pools warn about each (TASKGRAPH_MAIN_THREAD);
// the tests about that listen for the warnings themselves. Node's own printing of
// warnings is off (--no-warnings in vitest.config.ts); this prints every other warning
// as Node would.
process.on('warning', (warning: Error & { code?: string }) => {
  if (warning.code !== 'TASKGRAPH_MAIN_THREAD') console.warn(warning)
})
