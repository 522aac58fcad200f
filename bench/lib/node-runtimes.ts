import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

/** A Node binary to measure on, and how it runs the TypeScript measurement scripts. */
export interface NodeRuntime {
  /** `Node 20.20.2`, for tables. */
  readonly label: string
  readonly path: string
  /** Node options that let it run measure.ts: tsx where Node cannot strip types. */
  readonly loaderArgs: readonly string[]
}

function runtime(path: string, version: string, stripsTypes: boolean): NodeRuntime {
  return { label: `Node ${version}`, path, loaderArgs: stripsTypes ? [] : ['--import', 'tsx'] }
}

/** The Node running the benchmarks. */
export const THIS_NODE = runtime(
  process.execPath,
  process.versions.node,
  typeof (process.features as { typescript?: unknown }).typescript === 'string',
)

/**
 * Node `major` from the npm registry through npx (cached after the first run), or
 * `undefined` when it cannot be had: the measurements on it are then left out.
 */
export function npxNode(major: number): NodeRuntime | undefined {
  const probe = spawnSync(
    'npx',
    [
      '--yes',
      `node@${major}`,
      '-p',
      'JSON.stringify([process.execPath, process.versions.node, typeof process.features.typescript === "string"])',
    ],
    { encoding: 'utf8', timeout: 180_000 },
  )
  if (probe.status !== 0) return undefined
  const [path, version, stripsTypes] = JSON.parse(probe.stdout.trim()) as [string, string, boolean]
  return existsSync(path) ? runtime(path, version, stripsTypes) : undefined
}

/**
 * Node 24 to measure beside the Node running the benchmarks (`npxNode(24)`): `undefined`
 * when that is Node 24 already, or when it cannot be had.
 */
export function node24Beside(): NodeRuntime | undefined {
  return THIS_NODE.label.startsWith('Node 24.') ? undefined : npxNode(24)
}
