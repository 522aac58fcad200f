import { fileURLToPath, pathToFileURL } from 'node:url'
import { InvalidOptionError } from '@taskgraph/core'
import { describe, expect, test } from 'vitest'
import { ClusterExecutor, ClusterWorker, clusterStatus } from '@taskgraph/cluster'

/** A file, not a directory: this one. */
const FILE = fileURLToPath(import.meta.url)

// A cluster URL is checked before anything connects: a wrong one is the caller's mistake,
// reported as such, never a failure of Redis or of the client inside.
describe.each([
  'http://127.0.0.1:6379',
  'not a url',
  // A Redis URL's path is the database's number, if anything.
  'redis://127.0.0.1:6379/db',
  'redis://127.0.0.1:6379/1/2',
  // ioredis would take a query's parameters as connection options, over taskgraph's own.
  'redis://127.0.0.1:6379?db=x',
  'redis://127.0.0.1:6379?keyPrefix=other',
])('the cluster URL %j', (url) => {
  test('is refused by the executor, the worker and the status', async () => {
    expect(() => new ClusterExecutor(url)).toThrow(InvalidOptionError)
    await expect(ClusterWorker.start(url)).rejects.toThrow(InvalidOptionError)
    await expect(clusterStatus(url)).rejects.toThrow(InvalidOptionError)
  })
})

// A URL that does not parse is shown in the message as given, but for its password.
test('a URL that does not parse is refused without showing its password', () => {
  const make = (): unknown => new ClusterExecutor('redis://tg:s3cret@127.0.0.1:63a79')
  expect(make).toThrow(InvalidOptionError)
  expect(make).toThrow('the cluster URL "redis://tg:***@127.0.0.1:63a79" is not a Redis URL')
  expect(make).not.toThrow(/s3cret/)
})

// A Unix socket is named as such: "not a Redis URL" alone left users looking for a typo.
test.each(['unix:///run/redis/redis.sock', 'redis:///run/redis/redis.sock'])(
  'the Unix socket %j is refused as one',
  (url) => {
    expect(() => new ClusterExecutor(url)).toThrow(/names a Unix socket; .* over TCP/)
  },
)

// Options too are checked before anything connects (nothing listens on port 1).
describe("ClusterWorker.start's options", () => {
  test.each([
    [{ threads: 0 }, /option threads must be a positive whole number/],
    [{ lease: 1.5 }, /option lease must be a positive whole number/],
    [{ lease: 10 }, /option lease must be at least 1000 ms, not 10: a lease that lapses/],
    [{ reconnectTimeout: -1 }, /option reconnectTimeout must be a whole number/],
    // Status lists it as a word among others: no spaces, nothing unprintable.
    [{ name: '' }, /option name must be 1 to 100 characters with no spaces/],
    [{ name: 'gpu box' }, /option name must be 1 to 100 characters with no spaces/],
    [{ name: 'x'.repeat(101) }, /option name must be 1 to 100 characters with no spaces/],
    [{ root: 1 }, /option root must be a path, not a number/],
    [{ modules: 'flow.ts' }, /option modules must be an array of paths/],
    [{ modules: [1] }, /option modules\[\] must be a path, not a number/],
    [{ preload: [''] }, /option preload\[\] must be a path, not a string/],
    // A bare ENOENT, naming neither the call nor the option.
    [{ root: '/nonexistent/dir' }, /option root names \/nonexistent\/dir, which cannot be read/],
    [{ root: FILE }, /option root names .*, which is not a directory/],
    // A mistyped mount point was made on the spot: the results written there went missing
    // on every other machine.
    [{ store: 'file:///nonexistent/mount' }, /names \/nonexistent\/mount, which does not exist/],
    [{ store: pathToFileURL(FILE).href }, /names .*, which is not a directory/],
  ])('%j is refused', async (options, message) => {
    // Mistyped on purpose, as a JavaScript caller may pass them.
    const start = ClusterWorker.start('redis://127.0.0.1:1', options as never)
    await expect(start).rejects.toThrow(InvalidOptionError)
    await expect(start).rejects.toThrow(message)
  })
})

describe("new ClusterExecutor's options", () => {
  test.each([
    [{ fuse: 'yes' }, /option fuse must be true or false, not a string/],
    [{ root: 123 }, /option root must be a path, not a number/],
    [{ store: 5 }, /option store must be a path, not a number/],
    [{ maxStoredBytes: 0 }, /option maxStoredBytes must be a positive whole number/],
    [{ root: 'relative/missing' }, /option root names .*relative\/missing, which cannot be read/],
    [{ root: FILE }, /option root names .*, which is not a directory/],
    [{ store: 'file:///nonexistent/mount' }, /names \/nonexistent\/mount, which does not exist/],
    [{ store: 'file://elsewhere/mnt' }, /is not a file:\/\/ URL of this machine/],
  ])('%j is refused', (options, message) => {
    const make = (): unknown => new ClusterExecutor('redis://127.0.0.1:1', options as never)
    expect(make).toThrow(InvalidOptionError)
    expect(make).toThrow(message)
  })
})
