import { TaskgraphError } from '@taskgraph/core'
import type { ErrorInit } from '@taskgraph/core/internal'

/** The dashboard's port is taken by another program (`EADDRINUSE`). */
export class DashboardPortError extends TaskgraphError {
  /** The port asked for. */
  readonly port: number

  constructor({ port, ...init }: ErrorInit & { port: number }) {
    super({ ...init, code: 'ERR_DASHBOARD_PORT_IN_USE' })
    this.port = port
  }
}
DashboardPortError.prototype.name = 'DashboardPortError'

// This package's codes, among those of `TaskgraphError#code` (see `TaskgraphErrorCodes`).
declare module '@taskgraph/core' {
  interface TaskgraphErrorCodes {
    ERR_DASHBOARD_PORT_IN_USE: DashboardPortError
  }
}
