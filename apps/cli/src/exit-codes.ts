/** Exit codes of the `taskgraph` command; documented in docs/cli.md. */
export const ExitCode = {
  /** The workflow ran and its result was printed. */
  Ok: 0,
  /**
   * A task failed, or the run failed for another reason while computing; or the
   * workflow's process exited before the run ended (its code called process.exit()).
   */
  RunFailed: 1,
  /**
   * The command line was wrong (unknown option, bad value, missing argument), or the port
   * given to `--dashboard` is in use, or the `--name` given to `taskgraph worker` is held
   * by another live worker, or `--cache` names a directory that is not a cache's.
   */
  Usage: 2,
  /**
   * The workflow file could not be used: missing, unloadable, or a wrong default export or
   * graph, or its own code threw or rejected with nothing to catch it (a timer); or a
   * module given to `taskgraph worker` is not a file, is outside the project root or fails
   * to import; or the trace `visualize --trace` reads is missing or not a trace of
   * taskgraph's.
   */
  BadWorkflow: 3,
  /**
   * The result could not be written as asked (e.g. it has no JSON form); or a `taskgraph
   * cache` command could not read or change the cache (CacheAccessError).
   */
  BadOutput: 4,
  /**
   * The cluster could not be used: Redis did not answer at the URL given (--cluster or
   * TASKGRAPH_CLUSTER), or @taskgraph/cluster is not installed; or a run lost it
   * (ClusterConnectionError), or it refused the run's data (ClusterStoreError).
   */
  ClusterUnavailable: 5,
  /** Stopped by SIGHUP (the terminal was closed). */
  HungUp: 129,
  /** Stopped by SIGINT (Ctrl-C). */
  Interrupted: 130,
  /**
   * stdout or stderr was closed before the command wrote all it had to (`| head`): it
   * stopped quietly, with the code of a program that SIGPIPE ended.
   */
  OutputClosed: 141,
  /** Stopped by SIGTERM. */
  Terminated: 143,
} as const

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]
