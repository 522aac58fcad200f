import { Redis } from './commonjs-packages.js'

/*
 * A cluster URL with a password (and no user) for a Redis that has none: connections send
 * it as the `default` user's (connection.ts), which such a Redis takes without a word. It
 * is asked once per process, on a connection of its own that sends no password, whether
 * it needs one, and taskgraph says once, in its own warnings, that it does not.
 */

/** What Redis says to a password it does not need (Redis 6 and later, then Redis 5). */
const NO_PASSWORD = /without any password configured|no password is set/

/** Whether the Redis at a URL needs no password, by URL: `undefined` while unknown. */
const unneeded = new Map<string, Promise<boolean | undefined>>()

/**
 * Warns once (`TASKGRAPH_CLUSTER_PASSWORD`) if the URL `href` (shown in messages as
 * `shown`) gives a password, and no user, to a Redis that needs none.
 */
export async function warnUnneededPassword(
  href: string,
  shown: string,
  timeoutMs: number,
): Promise<void> {
  const { password, username } = new URL(href)
  // With a user, Redis checks the pair (an ACL user), and never answers so.
  if (password === '' || username !== '') return
  let asked = unneeded.get(href)
  if (asked === undefined) {
    asked = needsNone(href, decodeURIComponent(password), timeoutMs)
    unneeded.set(href, asked)
    void asked.then((none) => {
      // Unknown (Redis did not answer): asked again by the next connection.
      if (none === undefined) unneeded.delete(href)
      if (none !== true) return
      process.emitWarning(
        `the cluster URL ${shown} gives a password, but Redis there requires none: it takes any. Take the password out of the URL (--cluster, TASKGRAPH_CLUSTER), or have Redis require it (requirepass, or an ACL user).`,
        { code: 'TASKGRAPH_CLUSTER_PASSWORD' },
      )
    })
  }
  await asked
}

/** Asks the Redis at `href`, on a connection that sends no password, whether it needs one. */
async function needsNone(
  href: string,
  password: string,
  timeoutMs: number,
): Promise<boolean | undefined> {
  const bare = new URL(href)
  bare.password = ''
  // No SELECT either: a Redis that needs a password refuses it before AUTH.
  bare.pathname = ''
  const probe = new Redis(bare.href, {
    lazyConnect: true,
    enableReadyCheck: false,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  })
  probe.on('error', () => {})
  try {
    await probe.connect()
  } catch {
    return undefined
  }
  try {
    await probe.auth(password)
    return false
  } catch (error) {
    return NO_PASSWORD.test(error instanceof Error ? error.message : String(error))
  } finally {
    probe.disconnect()
  }
}
