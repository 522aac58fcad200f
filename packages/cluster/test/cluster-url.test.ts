import { InvalidOptionError } from '@taskgraph/core'
import { describe, expect, test } from 'vitest'
import { ClusterExecutor, ClusterWorker, clusterStatus } from '@taskgraph/cluster'

// A cluster URL is checked before anything connects: a wrong one is the caller's mistake,
// reported as such, never a failure of Redis or of the client inside.
describe.each([
  'http://127.0.0.1:6379',
  'not a url',
  // A Redis URL's path is the database's number, if anything.
  'redis://127.0.0.1:6379/db',
  'redis://127.0.0.1:6379/1/2',
])('the cluster URL %j', (url) => {
  test('is refused by the executor, the worker and the status', async () => {
    expect(() => new ClusterExecutor(url)).toThrow(InvalidOptionError)
    await expect(ClusterWorker.start(url)).rejects.toThrow(InvalidOptionError)
    await expect(clusterStatus(url)).rejects.toThrow(InvalidOptionError)
  })
})
