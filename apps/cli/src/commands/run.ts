import { toGraph, type TaskGraphology } from '@taskgraph/core'
import {
  Profiler,
  ResourceProfiler,
  writeChromeTrace,
  writeReport,
  type Dashboard,
} from '@taskgraph/observe'
import {
  AsyncExecutor,
  CancelledError,
  Client,
  ProcessExecutor,
  ThreadExecutor,
  compute,
  type ComputeHooks,
  type ExecutorName,
  type ResultCache,
  type TaskRecord,
  type TaskWorker,
} from '@taskgraph/scheduler'
import { onTemporaryFile } from '@taskgraph/observe/internal'
import { preloadInEveryPool, setDefaultClient } from '@taskgraph/scheduler/internal'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { CliLogger } from '../logger.js'
import { loadClusterPackage, type ClusterPackage } from '../cluster-package.js'
import { combineHooks } from '../combine-hooks.js'
import { hearWorkerProcesses } from '../closed-output.js'
import { divertStdout } from '../divert-stdout.js'
import { guardProcessExit } from '../exit-guard.js'
import { formatResult } from '../format-result.js'
import type { WorkflowError } from '../cli-errors.js'
import { inWorkflow, loadWorkflow, looseFailure } from '../load-workflow.js'
import { watchLooseFailures, type LooseFailures } from '../loose-failures.js'
import { openDashboard } from '../open-dashboard.js'
import { outputWriteError } from '../output-paths.js'
import { progressBar } from '../progress/progress-bar.js'
import type { Io } from '../io.js'
import { STOP_SIGNALS, StopSignal, type StopSignalName } from '../stop-signals.js'
import { closeHungUpTerminals } from '../hung-up-terminal.js'
import { escapeControls } from '../terminal-text.js'
import { RESULT, announceTemporary, announceWriting } from '../supervisor/run-ended.js'
import { acknowledgeStop } from '../supervisor/runner.js'
import { useColor } from '../use-color.js'
import { workerPreloadFor } from '../workflow-loading.js'

/** Options of `taskgraph run`, as parsed from the command line. */
export interface RunCommandOptions {
  executor: ExecutorName
  concurrency?: number
  workers?: number
  startTimeout?: number
  retries?: number
  timeout?: number
  /** The cluster's Redis URL: tasks run there instead (see `taskgraph worker`). */
  cluster?: string
  /** The cluster's shared directory for large results, a file:// URL. */
  store?: string
  /** With `cluster`: how long the run waits for a dropped connection to Redis, in ms. */
  reconnectTimeout?: number
  /** With `cluster`: the largest result kept in Redis, in bytes; larger go to `store`. */
  maxStoredBytes?: number
  json: boolean
  keepGoing: boolean
  /** `true`/`false` from --progress/--no-progress; otherwise only on a terminal. */
  progress?: boolean
  /** Write a trace of the run (Chrome Trace Event JSON) to this file once it ends. */
  trace?: string
  /** Write the run's HTML report (see `writeReport`) to this file once it ends. */
  report?: string
  /** Serve a live page of the run on 127.0.0.1 at this port; `true`: the default port. */
  dashboard?: number | true
  /** The directory of the run's result cache (see `TaskCache`). */
  cache?: string
}

/**
 * `taskgraph run <file>`: computes the workflow's default export and prints the result.
 * Ctrl-C (SIGINT), SIGTERM and SIGHUP cancel the run, the loading of the workflow
 * included. A second one of a kind is left to its default action, which ends the process
 * at once; the supervisor (supervisor/supervise.ts) also ends a run that cannot hear it.
 */
export async function runCommand(
  file: string,
  options: RunCommandOptions,
  io: Io,
  logger: CliLogger,
): Promise<void> {
  // A pool starts its workers now, so they load while this thread loads the workflow; a
  // cluster connects meanwhile, and the command fails at once if it cannot.
  const cluster =
    options.cluster === undefined
      ? undefined
      : await clusterExecutor(options.cluster, options, io.cwd)
  const workflowURL = pathToFileURL(resolve(io.cwd, file)).href
  // Pools the workflow makes (a compute in a task, parallelMap) load it as the run's do.
  preloadInEveryPool(workerPreloadFor(workflowURL))
  const executor = cluster ?? executorFor(options, workflowURL)
  if (executor instanceof ProcessExecutor) hearWorkerProcesses()
  const starting =
    typeof executor === 'object' && !(executor instanceof AsyncExecutor)
      ? executor.start()
      : undefined
  // Reported below if the workflow loads; otherwise the workflow's error is the one told.
  void starting?.catch(() => {})
  const controller = new AbortController()
  const signals = Object.keys(STOP_SIGNALS) as StopSignalName[]
  /** A stop signal that came once the run was over, while its outputs were written. */
  let stoppedAfterRun: StopSignalName | undefined
  /** Whether the trace and report are written (or failed): only stdout may still wait. */
  let outputsSettled = false
  const stop = (signal: StopSignalName): void => {
    acknowledgeStop()
    controller.abort(new StopSignal(signal))
    if (!ran) return
    stoppedAfterRun = signal
    if (outputsSettled) cutResultShort(signal, io.stdout, signals, stop)
  }
  for (const signal of signals) process.once(signal, stop)
  // With --json, stdout holds the result alone: what the workflow prints goes to stderr.
  const diversion = options.json ? divertStdout(io.stdout, io.stderr) : undefined
  // The trace and report hold what ran, however the run ends: done, failed or cancelled.
  const profiler =
    options.trace === undefined && options.report === undefined ? undefined : new Profiler()
  /** What the workflow computes, once loaded: the report draws its graph. */
  let targets: { value: unknown } | undefined
  // The trace also shows the program's memory and CPU, as counter tracks beside the tasks.
  const resources = options.trace === undefined ? undefined : new ResourceProfiler()
  let ran = false
  let dashboard: Dashboard | undefined
  let unguardExit: (() => void) | undefined
  /** Watches the workflow's own code once it has loaded (loading watches it until then). */
  let loose: LooseFailures | undefined
  /** What that code threw or rejected with nothing to catch it: it stops the run. */
  let looseError: WorkflowError | undefined
  // A workflow's own submits (futures) run where its graph does, and stop with it.
  setDefaultClient(new Client({ executor, signal: controller.signal }))
  try {
    const [workflow] = await unlessCancelled(
      Promise.all([
        loadWorkflow(file, io.cwd),
        // Only a cluster's start fails (pools fail their tasks instead).
        executor instanceof ThreadExecutor || executor instanceof ProcessExecutor
          ? undefined
          : starting,
      ]),
      controller.signal,
    )
    logger.debug({ path: workflow.path, loader: workflow.loader }, 'workflow loaded')
    loose = watchLooseFailures((failure) => {
      looseError = looseFailure(failure, workflow.shown, 'running')
      controller.abort(looseError)
    })
    targets = { value: workflow.targets }
    const showProgress = !options.json && (options.progress ?? io.stderr.isTTY === true)
    // --progress draws it even where it could not redraw in place (a pipe), but on a
    // terminal that cannot move its cursor (TERM=dumb), which gets the summary alone.
    const live = options.progress === true && process.env.TERM !== 'dumb'
    const progress = showProgress
      ? progressBar({ stream: io.stderr, ...(live ? { live } : {}) })
      : undefined
    const log = logHooks(logger)
    if (options.dashboard !== undefined) {
      dashboard = await openDashboard(options.dashboard, workflow.targets, io, {
        threads:
          executor instanceof ThreadExecutor || executor instanceof ProcessExecutor
            ? executor.workers
            : undefined,
        clusterWorkers: cluster && (() => cluster.workers()),
      })
    }
    const cache = options.cache === undefined ? undefined : await openCache(options.cache, io)
    const hooks =
      progress || log || profiler || dashboard || cache
        ? combineHooks(
            progress,
            log,
            profiler?.hooks,
            resources?.hooks,
            dashboard?.hooks,
            // Said whether or not the progress display leaves a summary (a run shorter
            // than a second leaves none).
            cache?.hooks,
          )
        : undefined
    unguardExit = guardProcessExit(typeof executor === 'object' ? executor.name : executor)
    const [result] = await compute(workflow.targets, {
      executor,
      ...(options.retries === undefined ? {} : { retries: options.retries }),
      ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
      failFast: !options.keepGoing,
      signal: controller.signal,
      ...(hooks === undefined ? {} : { hooks }),
      ...(cache === undefined ? {} : { cache: cache.cache }),
    }).catch((error: unknown) => {
      throw looseError ?? inWorkflow(workflow, error)
    })
    ran = true
    const output = formatResult(result, { json: options.json, color: useColor(io.stdout) })
    // A stop signal from now on cuts the result short: the run itself is over.
    announceWriting(RESULT)
    for (const piece of output) {
      if (diversion === undefined) io.stdout.write(piece)
      else diversion.write(piece)
    }
  } finally {
    unguardExit?.()
    // The page keeps what it was last sent, and says the run has ended.
    await dashboard?.close()
    // The run's end, a cancelled one's too, ended the sampling: this throws what sampling
    // threw, if it failed.
    resources?.stop()
    // Ends every worker (within about a second, killing any that hang) before exiting.
    if (typeof executor === 'object' && !(executor instanceof AsyncExecutor)) {
      await executor.close()
    }
    const writes: Promise<void>[] = []
    // A second Ctrl-C while they are written kills this process at once: the supervisor
    // then removes the temporary files it was writing them into.
    const stopAnnouncing = onTemporaryFile(announceTemporary)
    // A workflow that did not load (not found, a syntax error) ran nothing: its trace
    // and report would be empty, and replace those of the last run that did.
    const record =
      profiler !== undefined && (targets !== undefined || profiler.records.length > 0)
        ? profiler
        : undefined
    const outputs = [
      ...(record !== undefined && options.trace !== undefined ? ['the trace'] : []),
      ...(record !== undefined && options.report !== undefined ? ['the report'] : []),
    ]
    if (outputs.length > 0) announceWriting(outputs.join(' and '))
    // Once one is written, a stop cuts short only the other: the supervisor names that one.
    const written = (output: string) => (): void => {
      outputs.splice(outputs.indexOf(output), 1)
      if (outputs.length > 0) announceWriting(outputs.join(' and '))
    }
    if (record !== undefined && options.trace !== undefined) {
      writes.push(
        writeTrace(resolve(io.cwd, options.trace), record, resources, file).then(
          written('the trace'),
        ),
      )
    }
    if (record !== undefined && options.report !== undefined) {
      const graph = targets === undefined ? undefined : graphOf(targets.value)
      writes.push(
        writeRunReport(resolve(io.cwd, options.report), record, file, graph).then(
          written('the report'),
        ),
      )
    }
    await settleOutputs(writes, ran, io).finally(stopAnnouncing)
    diversion?.restore()
    outputsSettled = true
    // The result may still be on its way to a reader that takes it slowly: the signal
    // stays heard until the command exits, and one that comes (or came) cuts it short.
    // Taken off and put back, it could be lost: a signal Node has caught but not yet
    // handed to a listener is dropped when the last listener goes.
    if (!ran) for (const signal of signals) process.off(signal, stop)
    else if (stoppedAfterRun !== undefined)
      cutResultShort(stoppedAfterRun, io.stdout, signals, stop)
    loose?.stop()
  }
  // Once the run has ended, while its workers closed and its outputs were written.
  if (looseError !== undefined) throw looseError
}

/**
 * Ends this process by `signal`, as the signal itself would, if stdout still holds part
 * of the result: the reader is not taking it, and a stop must not wait for it. The
 * supervisor says what was cut short (`unwritten` in supervise.ts). A result written in
 * full leaves the command to end as it would have.
 */
function cutResultShort(
  signal: StopSignalName,
  stdout: NodeJS.WriteStream,
  signals: readonly StopSignalName[],
  stop: (signal: StopSignalName) => void,
): void {
  if (stdout.writableLength === 0) return
  // Named again: the trace or report, written since, was the last said.
  announceWriting(RESULT)
  for (const other of signals) process.off(other, stop)
  closeHungUpTerminals(signal === 'SIGHUP')
  process.kill(process.pid, signal)
}

/**
 * `promise`, or a `CancelledError` as soon as `signal` aborts: a workflow's top-level
 * code may wait for anything (a server, a file, for ever), and a stop signal must not
 * wait for it.
 */
function unlessCancelled<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  const cancelled = (): CancelledError =>
    new CancelledError({ caller: 'taskgraph run', reason: signal.reason })
  if (signal.aborted) return Promise.reject(cancelled())
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(cancelled())
    signal.addEventListener('abort', onAbort, { once: true })
    void promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

/**
 * The run's cache in `directory`: its warnings go to stderr, and its hooks say at the
 * end how many tasks came from it. Loaded only for a run that has one.
 */
async function openCache(
  directory: string,
  io: Io,
): Promise<{ cache: ResultCache; hooks: ComputeHooks }> {
  const { TaskCache } = await import('@taskgraph/cache')
  const cache = new TaskCache(resolve(io.cwd, directory), {
    onWarning: (message) => io.stderr.write(`taskgraph: warning: ${escapeControls(message)}\n`),
  })
  return {
    cache,
    hooks: {
      // What ran counts the tasks that failed: they ran, and were not read.
      onFinish: ({ done, failed, cached }) => {
        const count = (n: number): string => n.toLocaleString('en-US')
        const from = `${count(cached)} ${cached === 1 ? 'task' : 'tasks'} from the cache`
        io.stderr.write(`taskgraph: ${from} (${directory}), ${count(done + failed)} run\n`)
      },
    },
  }
}

/** The executor of `taskgraph run --cluster`, from the cluster package. */
async function clusterExecutor(
  url: string,
  { store, reconnectTimeout, maxStoredBytes }: RunCommandOptions,
  root: string,
): Promise<InstanceType<ClusterPackage['ClusterExecutor']>> {
  const { ClusterExecutor } = await loadClusterPackage('taskgraph run --cluster')
  return new ClusterExecutor(url, {
    root,
    ...(store === undefined ? {} : { store }),
    ...(reconnectTimeout === undefined ? {} : { reconnectTimeout }),
    ...(maxStoredBytes === undefined ? {} : { maxStoredBytes }),
  })
}

/**
 * The run's executor. Pool executors get a preload module, so each worker loads the
 * workflow (TypeScript included) as this process did. The async executor is one instance,
 * shared by the run's compute and the workflow's submits, so that `--concurrency` bounds
 * them together; the inline executor is passed by name.
 */
function executorFor(
  options: RunCommandOptions,
  workflowURL: string,
): 'inline' | AsyncExecutor | ThreadExecutor | ProcessExecutor {
  if (options.executor === 'inline') return 'inline'
  if (options.executor === 'async') {
    return new AsyncExecutor(
      options.concurrency === undefined ? {} : { concurrency: options.concurrency },
    )
  }
  const poolOptions = {
    preload: [workerPreloadFor(workflowURL)],
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    ...(options.startTimeout === undefined ? {} : { startTimeout: options.startTimeout }),
    taskStdout: options.json ? 'stderr' : 'stdout',
  } as const
  return options.executor === 'threads'
    ? new ThreadExecutor(poolOptions)
    : new ProcessExecutor(poolOptions)
}

function logHooks(logger: CliLogger): ComputeHooks | undefined {
  if (!logger.isLevelEnabled('debug')) {
    return logger.isLevelEnabled('info')
      ? { onFinish: (summary) => logger.info(summary, 'run finished') }
      : undefined
  }
  // A task's end is logged with the duration its worker measured (its record comes just
  // before the end), not the time since it was handed over, which counts its wait in a
  // pool's queue.
  const records = new Map<string, TaskRecord>()
  const measured = (key: string, fallback: number): Record<string, unknown> => {
    const record = records.get(key)
    if (record === undefined) return { durationMs: fallback }
    records.delete(key)
    return { durationMs: record.endedAt - record.startedAt, worker: workerName(record.worker) }
  }
  return {
    onStart: (info) => logger.debug(info, 'run started'),
    onTaskStart: (task) => logger.debug({ key: task.key }, 'task started'),
    onTaskRecord: (record) => records.set(record.key, record),
    onTaskEnd: (task, outcome) =>
      'error' in outcome
        ? logger.debug(
            { key: task.key, ...measured(task.key, outcome.durationMs), err: outcome.error },
            'task failed',
          )
        : logger.debug(
            { key: task.key, ...measured(task.key, outcome.durationMs) },
            'task finished',
          ),
    onTaskRetry: (task, retry) =>
      logger.debug(
        { key: task.key, attempt: retry.attempt, delayMs: retry.delayMs, err: retry.error },
        'task retried',
      ),
    onFinish: (summary) => logger.info(summary, 'run finished'),
  }
}

/** Where a task ran, for a log line: `main`, `thread 3`, `pid 1234`, `NAME thread 2`. */
function workerName(worker: TaskWorker): string {
  const thread = worker.threadId === 0 ? `pid ${worker.pid}` : `thread ${worker.threadId}`
  if (worker.kind === 'main') return 'main'
  return worker.name === undefined ? thread : `${worker.name} ${thread}`
}

/**
 * Writes the run's trace to `path`. A trace that cannot be written fails the command
 * (with exit code 4, as output that cannot be written does), once the run has ended.
 */
async function writeTrace(
  path: string,
  profiler: Profiler,
  resources: ResourceProfiler | undefined,
  file: string,
): Promise<void> {
  try {
    await writeChromeTrace(path, profiler.records, {
      name: `taskgraph run ${file}`,
      addedGraphs: profiler.addedGraphs,
      ...(resources === undefined ? {} : { resources: resources.samples }),
    })
  } catch (error) {
    throw outputWriteError('taskgraph run --trace', 'the trace', path, error)
  }
}

/**
 * Waits for the trace and report to be written, each even if the other cannot be. One
 * that could not be written fails the command after a run that succeeded; after one that
 * failed it is a warning, as the run's own failure is the one to report.
 */
async function settleOutputs(writes: Promise<void>[], ran: boolean, io: Io): Promise<void> {
  for (const write of await Promise.allSettled(writes)) {
    if (write.status === 'fulfilled') continue
    if (ran) throw write.reason
    io.stderr.write(`taskgraph: warning: ${escapeControls((write.reason as Error).message)}\n`)
  }
}

/**
 * The graph of `targets` for the report, or none when it cannot be made (a key clash, a
 * loop): the run failed on it, and that failure is the one reported.
 */
function graphOf(targets: unknown): TaskGraphology | undefined {
  try {
    return toGraph(targets)
  } catch {
    return undefined
  }
}

/**
 * Writes the run's report to `path`, as `writeTrace` writes its trace (exit code 4 when
 * it cannot be written). Without `graph` (the workflow did not load) the report says its
 * critical path and drawing need one.
 */
async function writeRunReport(
  path: string,
  profiler: Profiler,
  file: string,
  graph: TaskGraphology | undefined,
): Promise<void> {
  try {
    await writeReport(path, profiler.records, {
      name: `taskgraph run ${file}`,
      ...(graph === undefined ? {} : { graph }),
    })
  } catch (error) {
    throw outputWriteError('taskgraph run --report', 'the report', path, error)
  }
}
