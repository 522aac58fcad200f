import { realpath, stat } from 'node:fs/promises'
import { resolve, sep } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { pathToFileURL } from 'node:url'
import type { CliLogger } from '../logger.js'
import { WorkflowError } from '../cli-errors.js'
import { loadClusterPackage } from '../cluster-package.js'
import type { Io } from '../io.js'
import { STOP_SIGNALS, type StopSignalName } from '../stop-signals.js'
import { prepareForWorkflow, workerPreloadFor } from '../workflow-loading.js'

/** Options of `taskgraph worker`, as parsed from the command line and its variables. */
export interface WorkerCommandOptions {
  readonly cluster: string
  readonly threads?: number
  readonly name?: string
  readonly store?: string
  readonly lease?: number
  readonly reconnectTimeout?: number
  readonly startTimeout?: number
}

/** How long a worker stopped while it starts waits for the start to end, to close it. */
const CLOSE_WHILE_STARTING_MS = 5000

/**
 * `taskgraph worker --cluster URL [modules…]`: takes jobs from the cluster and runs them
 * on a pool of worker threads until SIGINT, SIGTERM or SIGHUP. Then it stops taking
 * jobs, hands back the calls it holds (the driver sends them again), ends its threads
 * and exits 0. A second signal ends it at once.
 */
export async function workerCommand(
  modules: readonly string[],
  options: WorkerCommandOptions,
  io: Io,
  logger: CliLogger,
  version: string,
): Promise<void> {
  const paths = modules.map((module) => resolve(io.cwd, module))
  for (const [i, path] of paths.entries()) {
    const info = await stat(path).catch(() => undefined)
    if (info?.isFile() !== true) {
      throw new WorkflowError({
        code: 'ERR_WORKFLOW_NOT_FOUND',
        message: `taskgraph worker: ${info === undefined ? 'module not found' : 'module path is not a file'}: ${modules[i]!}. Give the paths of the modules it serves (the workflow files), from the project's root directory where the worker starts.`,
      })
    }
  }
  const urls = paths.map((path) => pathToFileURL(path).href)
  const { ClusterWorker, clusterStatus } = await loadClusterPackage('taskgraph worker')
  // Redis answers before anything slower loads (tsx, the library): an unreachable
  // cluster is reported in a moment, however busy the machine.
  await clusterStatus(options.cluster, 'taskgraph worker')
  // TypeScript loads as for `taskgraph run` in the threads (type stripping where Node has
  // it, tsx for what it cannot run), and through tsx here, where the cluster's worker
  // imports the modules it serves and those of graphs tasks return. A worker serving any
  // module of its project may be sent TypeScript ones.
  const typescript = urls.length === 0 || urls.some((url) => /\.m?ts$/.test(url))
  // Its project's TypeScript modules load as ES modules, as `taskgraph run` loads a
  // workflow file, whatever the "type" of their package.
  const projectURL = pathToFileURL(`${await realpath(io.cwd)}${sep}`).href
  const stopped = waitForStop()
  const starting = ClusterWorker.start(
    options.cluster,
    {
      ...(options.threads === undefined ? {} : { threads: options.threads }),
      ...(options.name === undefined ? {} : { name: options.name }),
      ...(options.store === undefined ? {} : { store: options.store }),
      ...(options.lease === undefined ? {} : { lease: options.lease }),
      ...(options.reconnectTimeout === undefined
        ? {}
        : { reconnectTimeout: options.reconnectTimeout }),
      ...(options.startTimeout === undefined ? {} : { startTimeout: options.startTimeout }),
      ...(paths.length === 0 ? {} : { modules: paths }),
      root: io.cwd,
      preload: [workerPreloadFor(urls[0], projectURL, urls.slice(1))],
      // Without a module list, this thread readies tsx and the library only if a task
      // returns a graph: registering tsx holds it a few hundred milliseconds, which the
      // first jobs would wait for.
      prepareImports: () => prepareForWorkflow(urls[0], { typescript, projectURL, tsx: true }),
    },
    version,
  )
  // A stop signal while it starts (Redis may have gone away meanwhile, and the start
  // then waits for it) ends the command too: a worker is never deaf to SIGTERM.
  const first = await Promise.race([
    starting.then(
      (worker) => ({ worker }),
      (error: unknown) => {
        stopped.cancel()
        throw error
      },
    ),
    stopped.promise.then((signal) => ({ signal })),
  ])
  if ('signal' in first) {
    io.stderr.write(`taskgraph worker: ${first.signal} while starting: stopped\n`)
    // A start that ends soon (its threads were loading) is closed before the command
    // ends, so that its record leaves the cluster status at once; one still waiting for
    // Redis is not waited for long.
    await Promise.race([
      starting.then((worker) => worker.close()).catch(() => {}),
      delay(CLOSE_WHILE_STARTING_MS),
    ])
    return
  }
  const { worker } = first
  const serving = modules.length === 0 ? `any module under ${io.cwd}` : modules.join(', ')
  io.stderr.write(
    `taskgraph worker ${worker.name}: ready with ${worker.threads} thread${worker.threads === 1 ? '' : 's'}, serving ${serving}\n`,
  )
  logger.info({ name: worker.name, id: worker.id, threads: worker.threads }, 'worker ready')
  // It runs until a stop signal, or until it stops by itself: Redis gone for longer than
  // its reconnect timeout (`finished` rejects with a ClusterConnectionError, exit code 5).
  let signal: StopSignalName
  try {
    signal = await Promise.race([stopped.promise, worker.finished.then(() => stopped.promise)])
  } catch (error) {
    stopped.cancel()
    throw error
  }
  io.stderr.write(`taskgraph worker ${worker.name}: ${signal}: stopping, handing back its tasks\n`)
  await worker.close()
  logger.info({ name: worker.name }, 'worker stopped')
}

/**
 * The first stop signal. Each handler is set once: a second signal of a kind finds none
 * and ends the process at once, as Node does by default.
 */
function waitForStop(): { promise: Promise<StopSignalName>; cancel: () => void } {
  const signals = Object.keys(STOP_SIGNALS) as StopSignalName[]
  const handlers = new Map<StopSignalName, () => void>()
  const promise = new Promise<StopSignalName>((resolve) => {
    for (const signal of signals) {
      const handler = (): void => {
        for (const [other, its] of handlers) if (other !== signal) process.off(other, its)
        resolve(signal)
      }
      handlers.set(signal, handler)
      process.once(signal, handler)
    }
  })
  const cancel = (): void => {
    for (const [signal, handler] of handlers) process.off(signal, handler)
  }
  return { promise, cancel }
}
