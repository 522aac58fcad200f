// The behavioural suites run over every executor with task functions that are closures
// in the test files; pool executors run those on the main thread and warn about each
// (TASKGRAPH_MAIN_THREAD). Node's own printing of warnings is off (--no-warnings in
// vitest.config.ts); this prints every other warning as Node would.
process.on('warning', (warning: Error & { code?: string }) => {
  if (warning.code !== 'TASKGRAPH_MAIN_THREAD') console.warn(warning)
})
