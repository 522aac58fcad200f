import type { Redis } from 'ioredis'

/** What a driver or worker does when its connection to Redis drops and comes back. */
export interface ConnectionEvents {
  /** The connection has just dropped. */
  readonly dropped: () => void
  /** The connection has been down for `limitMs`. */
  readonly lost: () => void
  /** It is back (after having dropped). */
  readonly back: () => void
}

/**
 * Watches a connection that ioredis reconnects by itself: a drop is waited out for
 * `limitMs`, then reported as lost; a connection back within it is reported as back.
 * Returns whether the connection is down now.
 */
export function watchConnection(
  redis: Redis,
  limitMs: number,
  events: ConnectionEvents,
): () => boolean {
  let watchdog: NodeJS.Timeout | undefined
  let down = false
  redis.on('close', () => {
    if (down) return
    down = true
    events.dropped()
    watchdog = setTimeout(events.lost, limitMs)
    // What waits for Redis keeps the process alive by its own handles, not by this.
    watchdog.unref()
  })
  redis.on('ready', () => {
    if (!down) return
    down = false
    clearTimeout(watchdog)
    events.back()
  })
  return () => down
}
