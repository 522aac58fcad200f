/** The port Dask's dashboard uses, and so ours. */
export const DEFAULT_DASHBOARD_PORT = 8787
