import type * as Cluster from '@taskgraph/cluster'
import { MissingPackageError } from './cli-errors.js'

/** The cluster package's API, as the commands use it. */
export type ClusterPackage = typeof Cluster

/**
 * `@taskgraph/cluster`, imported when a command needs it: a package of its own, so that
 * users of the local executors never install a Redis client.
 * @throws {MissingPackageError} naming `command` and how to install it
 */
export async function loadClusterPackage(command: string): Promise<ClusterPackage> {
  try {
    return await import('@taskgraph/cluster')
  } catch (error) {
    // Only the package itself missing: a module missing inside it is another matter.
    const { code, message } = error as { code?: string; message?: string }
    if (code !== 'ERR_MODULE_NOT_FOUND' || !String(message).includes("'@taskgraph/cluster'")) {
      throw error
    }
    throw new MissingPackageError({
      packageName: '@taskgraph/cluster',
      // taskgraph is not on the npm registry yet: most installs are of the packed tarballs,
      // where `npm install @taskgraph/cluster` alone fails with E404.
      message: `${command} needs the @taskgraph/cluster package, which is not installed: install it beside taskgraph, at the same version and from the same place (the taskgraph-cluster tarball packed with taskgraph's, or npm install @taskgraph/cluster from a registry that has taskgraph).`,
      cause: error,
    })
  }
}
