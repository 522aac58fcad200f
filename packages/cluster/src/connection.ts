import { InvalidOptionError } from '@taskgraph/core'
import { checkRedisUrl } from '@taskgraph/core/internal'
import type { RedisOptions } from 'ioredis'
import { Redis } from './commonjs-packages.js'
import { ClusterUnreachableError } from './errors.js'
import { failureText, isRedisReply } from './redis-refusals.js'
import { warnUnneededPassword } from './unneeded-password.js'

/** How long a driver, worker or status call waits for Redis when it begins. */
export const CONNECT_TIMEOUT_MS = 3000

/** A checked cluster URL: `redis://[user:password@]host[:port][/db]`, or `rediss://` for TLS. */
export interface ClusterUrl {
  /** The URL as given, for connecting. */
  readonly href: string
  /** The URL with its password hidden, for messages and logs. */
  readonly shown: string
}

/** Checks a cluster URL given to `caller` (e.g. `new ClusterExecutor`). */
export function parseClusterUrl(caller: string, url: unknown): ClusterUrl {
  const checked = typeof url === 'string' ? checkRedisUrl(url) : undefined
  if (checked?.href !== undefined) return { href: checked.href, shown: checked.shown }
  const shown = JSON.stringify(checked === undefined ? url : checked.shown)
  throw new InvalidOptionError({
    message: checked?.unixSocket
      ? `${caller}: the cluster URL ${shown} names a Unix socket; workers on other machines cannot reach one, and taskgraph connects to Redis over TCP. Give redis://host:6379 (redis://127.0.0.1:6379 for a Redis on this machine).`
      : `${caller}: the cluster URL ${shown} is not a Redis URL. Give redis://host:6379 (rediss:// for TLS, redis://user:password@host:6379/0 with an ACL user and a database; nothing after ?).`,
  })
}

/**
 * A Redis connection. `blocking` connections (BullMQ workers, a driver's reply reader)
 * retry commands for ever across reconnects, as BullMQ requires; the others fail a
 * command after one reconnect, so that callers see an outage rather than wait.
 */
export function openRedis(url: ClusterUrl, options: { blocking?: boolean } = {}): Redis {
  const redisOptions: RedisOptions = {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: options.blocking === true ? null : 1,
    // Reconnect quickly at first, then every second: a restarted Redis is back soon.
    retryStrategy: (times) => Math.min(times * 100, 1000),
    // How long disconnect() waits for the socket to close before destroying it. ioredis
    // arms that timer even for a socket that had closed already (a start that failed),
    // and it holds the program's exit: 2 s by default. Redis closes at once.
    disconnectTimeout: 250,
  }
  // A password without a user is the `default` user's: sent as such, it is taken by a
  // Redis that has none (ioredis's bare AUTH would print a warning of its own each time
  // it connects) and checked by one that has, from the first command of every
  // connection (a restarted Redis may now require it). Redis 6 and later.
  const href = new URL(url.href)
  if (href.password !== '' && href.username === '') href.username = 'default'
  return new Redis(href.href, redisOptions)
}

/**
 * Waits until a BullMQ queue or worker is ready. BullMQ first asks Redis its version
 * (INFO); if Redis refuses (an ACL user without INFO), every later command of the queue
 * fails at once, and a BullMQ worker retries without pause: so this is a start failure.
 * @throws {ClusterUnreachableError} naming `caller`, the URL and Redis's reason
 */
export async function queueReady(
  queue: { waitUntilReady(): Promise<unknown> },
  url: ClusterUrl,
  caller: string,
): Promise<void> {
  try {
    await queue.waitUntilReady()
  } catch (error) {
    const reason = failureText(error)
    // Not Redis's answer: the connection dropped (Redis went down as the executor started).
    if (!isRedisReply(error)) {
      throw new ClusterUnreachableError({
        url: url.shown,
        message: `${caller}: lost the connection to Redis at ${url.shown} as it started (${reason}). Check that Redis is up and reachable there, then run again.`,
        cause: error,
      })
    }
    throw new ClusterUnreachableError({
      url: url.shown,
      message: `${caller}: Redis at ${url.shown} refused the queue's first commands (${reason}). Give the URL's user the commands a cluster needs (see the ACL in the cluster docs).`,
      cause: error,
    })
  }
}

/**
 * Connects `redis` and checks that Redis answers, within the connect timeout; otherwise
 * disconnects it and throws a `ClusterUnreachableError` naming `caller` and the URL.
 */
export async function connect(redis: Redis, url: ClusterUrl, caller: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${CONNECT_TIMEOUT_MS} ms`)),
      CONNECT_TIMEOUT_MS,
    )
  })
  // The first failure is the one to report; ioredis would go on retrying meanwhile.
  let onError: (error: Error) => void = () => {}
  const firstError = new Promise<never>((_, reject) => {
    onError = reject
    redis.once('error', onError)
  })
  try {
    const connected = warnUnneededPassword(url.href, url.shown, CONNECT_TIMEOUT_MS)
      .then(() => redis.connect())
      .then(() => redis.ping())
    await Promise.race([connected, timeout, firstError])
  } catch (error) {
    redis.disconnect()
    // ioredis asks for a report of a reply it cannot parse: it is not Redis's (fixFor).
    const reason = (error instanceof Error ? error.message : String(error)).replace(
      / Please report this\.$/,
      '',
    )
    throw new ClusterUnreachableError({
      url: url.shown,
      message: `${caller}: cannot reach Redis at ${url.shown} (${reason}). ${fixFor(error, url.shown)}`,
      cause: error,
    })
  } finally {
    clearTimeout(timer)
    redis.off('error', onError)
  }
}

/**
 * Whether `error`, on a connection to `url` that dropped, is Redis refusing the URL's
 * password (WRONGPASS; Redis 5: invalid password), or asking for one the URL does not
 * give (NOAUTH): it restarted requiring another, and reconnecting will not cure it.
 */
export function refusesPassword(url: ClusterUrl, error: unknown): error is Error {
  if (!isRedisReply(error)) return false
  if (/^(WRONGPASS|ERR invalid password)/.test(error.message)) return true
  return error.message.startsWith('NOAUTH') && new URL(url.href).password === ''
}

/** The error a driver or worker (`caller`) fails with when Redis refuses its password. */
export function passwordRefused(
  caller: string,
  url: ClusterUrl,
  error: Error,
): ClusterUnreachableError {
  return new ClusterUnreachableError({
    url: url.shown,
    message: `${caller}: Redis at ${url.shown} refused the connection when it reconnected (${error.message}): it restarted requiring another password, or one the URL does not give. ${fixFor(error, url.shown)}`,
    cause: error,
  })
}

/** What to do about a connection to `shown` that failed with `error`. */
function fixFor(error: unknown, shown: string): string {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown }
  const text = String(message)
  if (/^(WRONGPASS|NOAUTH|NOPERM|ERR invalid password)/.test(text)) {
    return 'Check the user and password in the URL, and what that Redis user may do (docs/cluster.md lists the ACL taskgraph needs).'
  }
  // Redis answered: it has fewer databases than the number at the end of the URL.
  if (/DB index is out of range/.test(text)) {
    return 'Redis is up there, but has no database of the number the URL ends with (/0 to /15 by default, its databases setting): give one it has.'
  }
  if (
    typeof code === 'string' &&
    (/CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code) ||
      code === 'ERR_TLS_CERT_ALTNAME_INVALID')
  ) {
    return 'Its TLS certificate is not one this machine trusts: give Node the certificate of the CA that signed it (NODE_EXTRA_CA_CERTS=/path/to/ca.pem), or check the host name in the URL.'
  }
  // Something answered, in another protocol (ioredis: `Protocol error, got "H" as reply
  // type byte. Please report this.`, from an HTTP server).
  if (/^Protocol error/.test(text)) {
    return 'Something answers there, but not Redis: it replied in another protocol (an HTTP server, say). Check the host and port in the URL.'
  }
  // Redis took the connection and closed it at once: it answered no command.
  if (text === 'Connection is closed.' || code === 'EPIPE' || code === 'ECONNRESET') {
    const tlsOnly = shown.startsWith('redis:')
      ? ', or take only TLS on that port (give rediss://)'
      : ''
    return `Redis there closed the connection as it opened: it may have as many clients as its maxclients allows (redis-cli INFO clients: free some, or raise maxclients), refuse connections from this machine (its protected-mode and bind settings)${tlsOnly}.`
  }
  // A TLS handshake with a Redis that does not speak TLS gets no answer at all.
  const tls = shown.startsWith('rediss:')
    ? ' A rediss:// URL needs a Redis that takes TLS on that port (its tls-port); for one without TLS, give redis://.'
    : ''
  return `Start redis-server there, or give the right URL (--cluster or TASKGRAPH_CLUSTER).${tls}`
}
