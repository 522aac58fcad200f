import type { Redis } from 'ioredis'
import { refusesPassword, type ClusterUrl } from './connection.js'

/** What a driver or worker does when its connection to Redis drops and comes back. */
export interface ConnectionEvents {
  /** The connection has just dropped. */
  readonly dropped: () => void
  /** The connection has been down for `limitMs`. */
  readonly lost: () => void
  /** It is back (after having dropped). */
  readonly back: () => void
  /**
   * Redis, reconnected, refuses the URL's password (or wants one it does not give):
   * ioredis goes on trying, but it will not be back until the URL or Redis changes.
   */
  readonly refused: (error: Error) => void
}

/**
 * Watches a connection to `url` that ioredis reconnects by itself: a drop is waited out
 * for `limitMs`, then reported as lost; a connection back within it is reported as back;
 * a password refused as it reconnects is reported at once, as refused, once a drop.
 * Returns whether the connection is down now.
 */
export function watchConnection(
  redis: Redis,
  url: ClusterUrl,
  limitMs: number,
  events: ConnectionEvents,
): () => boolean {
  let watchdog: NodeJS.Timeout | undefined
  let down = false
  let refused = false
  redis.on('close', () => {
    if (down) return
    down = true
    events.dropped()
    watchdog = setTimeout(events.lost, limitMs)
    // What waits for Redis keeps the process alive by its own handles, not by this.
    watchdog.unref()
  })
  redis.on('error', (error) => {
    if (refused || !refusesPassword(url, error)) return
    refused = true
    events.refused(error)
  })
  redis.on('ready', () => {
    refused = false
    if (!down) return
    down = false
    clearTimeout(watchdog)
    events.back()
  })
  return () => down
}
