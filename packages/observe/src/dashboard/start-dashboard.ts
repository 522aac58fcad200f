import { InvalidOptionError } from '@taskgraph/core'
import { checkOptionNames, describeValue } from '@taskgraph/core/internal'
import type { ComputeHooks } from '@taskgraph/scheduler'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { checkInterval } from '../check-interval.js'
import { ResourceProfiler } from '../resource-profiler.js'
import { dashboardHtml } from './dashboard-html.js'
import { DashboardPortError } from './dashboard-errors.js'
import { DEFAULT_DASHBOARD_PORT } from './default-port.js'
import { DashboardState } from './dashboard-state.js'
import type { ClusterWorkerRow } from './dashboard-update.js'
import { EventStream } from './event-stream.js'
import { taskTotals } from './task-totals.js'

const OPTION_NAMES: readonly (keyof DashboardOptions)[] = [
  'port',
  'targets',
  'threads',
  'updateMs',
  'resources',
  'clusterWorkers',
]

/**
 * Only the loopback interface: a dashboard shows task keys and error messages to whoever
 * reaches it, and Dask's local clusters, which once listened on every interface by
 * mistake, made a security hole of it (CVE-2021-42343).
 */
const HOST = '127.0.0.1'

/** Options of `startDashboard`. */
export interface DashboardOptions {
  /**
   * The port on 127.0.0.1; 0 for any free one. A port in use fails the call.
   * @default 8787
   */
  port?: number
  /**
   * What the run computes (the values given to `compute`): each function's number of
   * tasks, for its progress. Without them, a function's total is its tasks seen so far.
   */
  targets?: readonly unknown[]
  /**
   * Time between updates sent to the page: a run of many short tasks sends one message
   * per interval, not one per task.
   * @default 200
   */
  updateMs?: number
  /**
   * The worker threads the run's executor has (a pool's `workers`): those that have run
   * nothing yet count as idle. Otherwise the threads seen in task records are counted.
   */
  threads?: number
  /**
   * A profiler of your own, whose latest sample the page shows (start it, or pass its
   * hooks to `compute`). Otherwise the dashboard samples every 500 ms while it serves.
   */
  resources?: ResourceProfiler
  /**
   * The workers of a cluster, asked every second while a page watches (a
   * `ClusterExecutor`'s `workers()`, say).
   */
  clusterWorkers?: () => Promise<readonly ClusterWorkerRow[]>
}

/** A dashboard being served. */
export interface Dashboard {
  /** `http://127.0.0.1:PORT/`. */
  readonly url: string
  readonly port: number
  /** Hooks to pass to `compute` (or to combine with others): what the page shows. */
  readonly hooks: ComputeHooks
  /**
   * Tells the pages the run has ended and stops serving. The server never keeps a
   * program alive; close it to free the port sooner.
   */
  close(): Promise<void>
}

/** Serves the dashboard (see on-demand.ts, where it is documented). */
export async function startDashboard(options: DashboardOptions = {}): Promise<Dashboard> {
  checkOptionNames('startDashboard', options, OPTION_NAMES)
  const { port = DEFAULT_DASHBOARD_PORT, updateMs = 200 } = options
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidOptionError({
      message: `startDashboard: option "port" must be a whole number from 0 to 65535 (0 for any free port), got ${describeValue(port)}.`,
    })
  }
  checkInterval('startDashboard', 'updateMs', updateMs)
  const html = await dashboardHtml()
  const totals = options.targets === undefined ? undefined : taskTotals(options.targets)
  const state = new DashboardState(totals, options.threads)
  const stream = new EventStream()
  const ownResources = options.resources === undefined
  const resources = options.resources ?? new ResourceProfiler({ intervalMs: 500 })
  const server = createServer((request, response) =>
    serve(request, response, { html, state, stream, port: boundPort() }),
  )
  const boundPort = (): number => (server.address() as AddressInfo).port
  await listen(server, port)
  // Neither the server nor its connections keep the program alive once its run is over.
  server.unref()
  server.on('connection', (socket) => socket.unref())

  const tick = setInterval(() => {
    const sample = resources.samples.at(-1)
    if (sample !== undefined) state.resources(sample)
    // Its own profiler serves for as long as the program: it keeps no more than it shows.
    if (ownResources && resources.samples.length > 100) resources.clear()
    if (stream.size === 0) return
    const update = state.update()
    if (update !== undefined) stream.send(update)
  }, updateMs)
  tick.unref()
  const cluster = options.clusterWorkers
  const poll = cluster === undefined ? undefined : pollCluster(cluster, state, stream)

  if (ownResources) resources.start()
  const url = `http://${HOST}:${boundPort()}/`
  let closed: Promise<void> | undefined
  return {
    url,
    port: boundPort(),
    hooks: {
      ...state.hooks,
      onFinish: (summary) => {
        state.hooks.onFinish?.(summary)
        // The end is sent at once: the program may exit right after its run.
        const update = state.update()
        if (update !== undefined) stream.send(update)
      },
    },
    close: () =>
      (closed ??= (async () => {
        clearInterval(tick)
        if (poll !== undefined) clearInterval(poll)
        if (ownResources) resources.stop()
        state.end()
        const update = state.update()
        if (update !== undefined) stream.send(update)
        stream.close()
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()))
        server.closeAllConnections()
        await stopped
      })()),
  }
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EADDRINUSE') return reject(error)
      reject(
        new DashboardPortError({
          port,
          message: `startDashboard: port ${port} on ${HOST} is in use by another program; give another port, or 0 for any free one.`,
          cause: error,
        }),
      )
    })
    server.listen(port, HOST, () => resolve())
  })
}

interface Serving {
  readonly html: string
  readonly state: DashboardState
  readonly stream: EventStream
  readonly port: number
}

function serve(request: IncomingMessage, response: ServerResponse, serving: Serving): void {
  // Another site's page can reach 127.0.0.1 through a name that resolves there (DNS
  // rebinding): it would send that name as its Host, which is refused.
  const host = request.headers.host
  if (host !== `${HOST}:${serving.port}` && host !== `localhost:${serving.port}`) {
    response.writeHead(403, { 'content-type': 'text/plain' }).end('forbidden host\n')
    return
  }
  const path = new URL(request.url ?? '/', `http://${HOST}`).pathname
  if (request.method !== 'GET') {
    response.writeHead(405, { allow: 'GET' }).end()
  } else if (path === '/') {
    response
      .writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        // The page's code is inline and it connects only back here.
        'content-security-policy':
          "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:",
      })
      .end(serving.html)
  } else if (path === '/events') {
    serving.stream.join(response, serving.state.snapshot())
  } else {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
  }
}

/** Asks for the cluster's workers every second while a page watches. */
function pollCluster(
  workers: () => Promise<readonly ClusterWorkerRow[]>,
  state: DashboardState,
  stream: EventStream,
): NodeJS.Timeout {
  let asking = false
  const ask = (): void => {
    if (asking || stream.size === 0) return
    asking = true
    workers()
      .then((rows) => state.cluster(rows))
      // A cluster that does not answer for a moment keeps its last list.
      .catch(() => {})
      .finally(() => (asking = false))
  }
  const timer = setInterval(ask, 1000)
  timer.unref()
  return timer
}
