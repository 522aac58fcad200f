// A cluster's Redis URL, checked alike by `new ClusterExecutor` (and the cluster's other
// calls) and by the CLI's flags, which check it before the cluster's package loads.

/** A Redis URL as checked: how to show it, and what is wrong with it, if anything. */
export interface CheckedRedisUrl {
  /** The URL to connect to; `undefined` if it is not one taskgraph connects to. */
  readonly href: string | undefined
  /** The URL for messages and logs: its password, and any query (which may hold one), hidden. */
  readonly shown: string
  /** A Unix socket's URL: taskgraph connects over TCP, as workers on other machines must. */
  readonly unixSocket: boolean
}

/**
 * Checks `url`: `redis://[user:password@]host[:port][/db]`, or `rediss://` for TLS. The
 * path is the database's number, if any: ioredis would send anything else to SELECT as
 * NaN, and fail outside the connection's checks. No query: ioredis takes its parameters
 * as connection options over taskgraph's own (?db=x crashes the same way, ?password= is
 * shown in messages, ?keyPrefix= hides the cluster's keys).
 */
export function checkRedisUrl(url: string): CheckedRedisUrl {
  let parsed: URL | undefined
  try {
    parsed = new URL(url)
  } catch {
    // Shown as given, but for what would be its password (a mistyped port).
    return { href: undefined, shown: hideRawPassword(url), unixSocket: false }
  }
  const ok =
    (parsed.protocol === 'redis:' || parsed.protocol === 'rediss:') &&
    /^\/?\d*$/.test(parsed.pathname) &&
    parsed.search === ''
  return {
    href: ok ? parsed.href : undefined,
    shown: hidePassword(parsed),
    unixSocket: !ok && isUnixSocket(parsed),
  }
}

/** `unix:///run/redis.sock`, `redis+unix:` or `redis:///run/redis.sock`: a socket's path. */
function isUnixSocket(url: URL): boolean {
  if (url.protocol === 'unix:' || url.protocol === 'redis+unix:') return true
  return url.hostname === '' && /^\/[^/]/.test(url.pathname) && !/^\/\d*$/.test(url.pathname)
}

function hidePassword(url: URL): string {
  const shown = new URL(url.href)
  if (shown.password !== '') shown.password = '***'
  if (shown.search !== '') shown.search = '?***'
  return shown.href
}

/**
 * Text that is not a URL, for messages: whatever stands between `scheme://user:` and the
 * last `@` hidden, as it would be a password (`redis://u:secret@host:port` with a
 * mistyped port is still the user's password).
 */
function hideRawPassword(text: string): string {
  return text.replace(/^([^:/?#]*:\/\/[^:@/]*:)[^]*@/, '$1***@')
}
