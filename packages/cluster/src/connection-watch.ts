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

/**
 * Has `redis` drop its connection (ioredis then reconnects) when Redis leaves a PING on
 * it unanswered for `limitMs`. A Redis that keeps the connection open and answers
 * nothing (its process stopped, its machine or the network to it gone without closing
 * it) is otherwise no drop: `watchConnection`'s limit would never start, and what waits
 * for Redis would wait for as long as it is silent (a lost network, until the system
 * gives up on the socket: a quarter of an hour). Not for a connection that blocks (a
 * PING waits behind its blocking command). Returns a function that stops the probes.
 */
export function dropWhenSilent(redis: Redis, limitMs: number): () => void {
  let askedAt: number | undefined
  const probe = setInterval(
    () => {
      const asked = askedAt
      if (asked !== undefined) {
        if (performance.now() - asked < limitMs) return
        // After the poll phase: an answer that came while the event loop was blocked
        // past the limit is read first, and counts.
        setImmediate(() => {
          if (askedAt !== asked) return
          askedAt = undefined
          // As if the connection had dropped: the socket goes, and ioredis reconnects.
          redis.disconnect(true)
        })
        return
      }
      if (redis.status !== 'ready') return
      const sent = performance.now()
      askedAt = sent
      redis.ping().then(
        () => {
          if (askedAt === sent) askedAt = undefined
        },
        () => {
          if (askedAt === sent) askedAt = undefined
        },
      )
    },
    Math.max(Math.min(limitMs / 4, 2000), 100),
  )
  probe.unref()
  return () => clearInterval(probe)
}
