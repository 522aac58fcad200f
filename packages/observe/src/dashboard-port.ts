// What a program needs of the dashboard before it starts one, without the rest of the
// package: the CLI's help names the default port, and its exit codes know the error for
// a port in use; every command loads these, and only `run` the package itself.
export { DEFAULT_DASHBOARD_PORT } from './dashboard/default-port.js'
export { DashboardPortError } from './dashboard/dashboard-errors.js'
