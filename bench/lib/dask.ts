import { spawnSync } from 'node:child_process'

/** The Python that runs the Dask side: Debian's, which python3-dask installs for. */
export const PYTHON = process.env.DASK_PYTHON ?? '/usr/bin/python3'

/** Dask's version, if the Python that runs the Dask side has it. */
export function daskVersion(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import dask, distributed; print(dask.__version__)'], {
    encoding: 'utf8',
  })
  return probe.status === 0 ? probe.stdout.trim() : undefined
}

/** Dask's version, installing it from Debian's packages first if it is missing and we may. */
export function ensureDask(): string | undefined {
  const found = daskVersion()
  if (found !== undefined || process.getuid?.() !== 0) return found
  console.log('Dask is missing: installing python3-dask and python3-distributed with apt-get…')
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore' })
  spawnSync('apt-get', ['install', '-y', '-qq', 'python3-dask', 'python3-distributed'], {
    stdio: 'ignore',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  })
  return daskVersion()
}
