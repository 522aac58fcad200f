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

// Options too are checked before anything connects (nothing listens on port 1).
describe("ClusterWorker.start's options", () => {
  test.each([
    [{ threads: 0 }, /option threads must be a positive whole number/],
    [{ lease: 1.5 }, /option lease must be a positive whole number/],
    [{ reconnectTimeout: -1 }, /option reconnectTimeout must be a whole number/],
    // Status lists it as a word among others: no spaces, nothing unprintable.
    [{ name: '' }, /option name must be 1 to 100 characters with no spaces/],
    [{ name: 'gpu box' }, /option name must be 1 to 100 characters with no spaces/],
    [{ name: 'x'.repeat(101) }, /option name must be 1 to 100 characters with no spaces/],
  ])('%j is refused', async (options, message) => {
    const start = ClusterWorker.start('redis://127.0.0.1:1', options)
    await expect(start).rejects.toThrow(InvalidOptionError)
    await expect(start).rejects.toThrow(message)
  })
})
