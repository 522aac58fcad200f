import {
  DEFAULT_DASHBOARD_PORT,
  DashboardPortError,
  startDashboard,
  type ClusterWorkerRow,
  type Dashboard,
} from '@taskgraph/observe'
import type { Io } from './io.js'

/**
 * Starts the dashboard of `taskgraph run --dashboard [port]` and says where it is, on
 * stderr. `port` is `true` for the flag without a value: Dask's 8787, or, if another
 * program has it (a second run, say), any free port, with a warning, as Dask does. A port
 * given and taken fails the command: the user asked for that one.
 * @throws {DashboardPortError} if the port given is in use
 */
export async function openDashboard(
  port: number | true,
  targets: unknown,
  io: Io,
  sources: {
    /** A pool's number of workers. */
    readonly threads?: number | undefined
    readonly clusterWorkers?: (() => Promise<readonly ClusterWorkerRow[]>) | undefined
  } = {},
): Promise<Dashboard> {
  const { threads, clusterWorkers } = sources
  const options = {
    // Each function's number of tasks, for its progress.
    targets: [targets],
    ...(threads === undefined ? {} : { threads }),
    ...(clusterWorkers === undefined ? {} : { clusterWorkers }),
  }
  let dashboard: Dashboard
  try {
    dashboard = await startDashboard({
      ...options,
      port: port === true ? DEFAULT_DASHBOARD_PORT : port,
    })
  } catch (error) {
    if (!(error instanceof DashboardPortError)) throw error
    if (port !== true) {
      throw new DashboardPortError({
        port,
        message: `taskgraph run --dashboard: port ${port} on 127.0.0.1 is in use by another program; give another port (--dashboard=${port + 1 > 65535 ? 8787 : port + 1}), or --dashboard=0 for any free one.`,
        cause: error,
      })
    }
    dashboard = await startDashboard({ ...options, port: 0 })
    io.stderr.write(
      `taskgraph: warning: port ${DEFAULT_DASHBOARD_PORT} is in use; the dashboard uses port ${dashboard.port} instead.\n`,
    )
  }
  io.stderr.write(`taskgraph: dashboard at ${dashboard.url}\n`)
  return dashboard
}
