import { Redis } from './commonjs-packages.js'

/*
 * A cluster URL with a password (and no user) for a Redis that has none: ioredis sends
 * the password on every connection, and prints a warning of its own on stderr each time
 * Redis says it needs none (`[WARN] This Redis server's default user does not require a
 * password...`): five times as a worker starts. Redis is asked once per process instead,
 * on a connection of its own that sends no password, and taskgraph says it once, in its
 * own warnings; connections to that Redis then send none. Until Redis asks for one
 * (NOAUTH: it restarted with requirepass): the password goes back into the connection
 * that was asked, and into those made from it later, for their next attempts.
 */

/** What Redis says to a password it does not need (Redis 6 and later, then Redis 5). */
const NO_PASSWORD = /without any password configured|no password is set/

/** Whether the Redis at a URL needs no password, by URL: `undefined` while unknown. */
const unneeded = new Map<string, Promise<boolean | undefined>>()

/**
 * Takes the password out of `redis`'s options, before it connects, if the Redis at
 * `href` (shown in messages as `shown`) needs none; warns once
 * (`TASKGRAPH_CLUSTER_PASSWORD`) when it finds so.
 */
export async function dropUnneededPassword(
  redis: Redis,
  href: string,
  shown: string,
  timeoutMs: number,
): Promise<void> {
  const { password, username } = redis.options
  // With a user, Redis checks the pair (an ACL user), and never answers so.
  if (typeof password !== 'string' || password === '' || (username ?? '') !== '') return
  let asked = unneeded.get(href)
  if (asked === undefined) {
    asked = needsNone(href, password, timeoutMs)
    unneeded.set(href, asked)
    void asked.then((none) => {
      // Unknown (Redis did not answer): asked again by the next connection.
      if (none === undefined) unneeded.delete(href)
      if (none !== true) return
      process.emitWarning(
        `the cluster URL ${shown} gives a password, but Redis there requires none: taskgraph connects without it. Take the password out of the URL (--cluster, TASKGRAPH_CLUSTER), or have Redis require it (requirepass, or an ACL user).`,
        { code: 'TASKGRAPH_CLUSTER_PASSWORD' },
      )
    })
  }
  if ((await asked) !== true) return
  redis.options.password = undefined
  giveWhenAsked(redis, href, password)
}

/**
 * Puts `password` back into `redis`'s options when Redis refuses it for want of one:
 * ioredis closes the connection, and reconnects with what its options then hold.
 * Copies of it (BullMQ's, by `duplicate()`) are made without it, and watched alike.
 */
function giveWhenAsked(redis: Redis, href: string, password: string): void {
  const asked = (error: unknown): void => {
    if (!(error instanceof Error) || !error.message.startsWith('NOAUTH')) return
    redis.options.password = password
    redis.off('error', asked)
    // What this process connects from now on asks again, and sends it.
    unneeded.delete(href)
  }
  redis.on('error', asked)
  const duplicate = redis.duplicate.bind(redis)
  redis.duplicate = (override) => {
    const copy = duplicate(override)
    // Made without it (ioredis fills a missing one with null) unless it was given back.
    if ((copy.options.password ?? '') === '') giveWhenAsked(copy, href, password)
    return copy
  }
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
