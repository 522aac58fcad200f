// A cluster worker's connections to Redis: opening and connecting them, watching them drop
// and come back (it warns whoever watches its process, and stops when Redis stays away or
// refuses its password), and waiting on what Redis must answer only while it is up.
import type { Redis } from 'ioredis'
import {
  CONNECT_TIMEOUT_MS,
  connect,
  openRedis,
  passwordRefused,
  type ClusterUrl,
} from '../connection.js'
import { DEFAULT_RECONNECT_TIMEOUT_MS } from '../cluster-options.js'
import { dropWhenSilent, watchConnection } from '../connection-watch.js'
import { ClusterConnectionError, type ClusterUnreachableError } from '../errors.js'
import { MAX_TIMER_MS } from './worker-options.js'

/** How long a stopping worker waits for Redis to come back to hand back its calls. */
export const HAND_BACK_MS = CONNECT_TIMEOUT_MS

/** Why a worker stopped by itself: Redis stayed away, or refused its password. */
export type RedisLost = ClusterConnectionError | ClusterUnreachableError

/** What the watch of a worker's connection asks of the worker. */
export interface LossEvents {
  /** Whether it is stopping: a connection that drops then is not told of. */
  readonly stopping: () => boolean
  /** Redis stayed away past `reconnectTimeout`, or refused its password: it stops. */
  readonly lose: (lost: RedisLost) => void
  /**
   * The connection is back: the worker claims its name again (a Redis restarted without
   * persistence has forgotten the claim), and is said to be back once it has.
   */
  readonly back: () => Promise<void>
}

/** A worker's three connections to Redis, opened at once and connected as it starts. */
export class WorkerConnections {
  /** The worker's own commands and scripts. */
  readonly redis: Redis
  /** Subscribed to ended runs and to the calls sent to its held jobs. */
  readonly subscriber: Redis
  /** BullMQ's: its commands do not wait behind the worker's own, nor theirs. */
  readonly queue: Redis
  private stopProbes: () => void = () => {}

  constructor(private readonly url: ClusterUrl) {
    this.redis = openRedis(url, { blocking: true })
    this.subscriber = openRedis(url, { blocking: true })
    this.redis.on('error', () => {})
    this.subscriber.on('error', () => {})
    this.queue = this.redis.duplicate()
    this.queue.on('error', () => {})
    for (const connection of [this.redis, this.subscriber, this.queue]) noteDrops(connection)
  }

  /**
   * Connects all three (`ClusterUnreachableError` if Redis does not answer within
   * seconds). One refused (Redis at its maxclients, say) while others got in: all are
   * dropped, as those would keep a program that embeds the worker alive, with no worker
   * to close.
   */
  async connect(): Promise<void> {
    try {
      await Promise.all([
        connect(this.redis, this.url, 'taskgraph worker'),
        connect(this.subscriber, this.url, 'taskgraph worker'),
        // BullMQ's, connected here as the others are: a password Redis does not need is
        // left out of it, and of the connections BullMQ makes from it.
        connect(this.queue, this.url, 'taskgraph worker'),
      ])
    } catch (error) {
      this.disconnect()
      throw error
    }
  }

  /**
   * From now on a Redis that stays away `reconnectTimeout` stops worker `name`: it would
   * otherwise retry for ever, a process nobody may be watching. Whoever watches it hears
   * of the wait.
   */
  watch(name: string, reconnectTimeout: number, events: LossEvents): void {
    const tell = (what: string): void =>
      process.emitWarning(`taskgraph worker ${name} ${what}`, {
        code: 'TASKGRAPH_CLUSTER_CONNECTION',
      })
    // Silence counts as a drop: the worker stops past the same limit, and a stop meanwhile
    // does not wait to hand back its calls. Probed even when it waits for ever.
    this.stopProbes = dropWhenSilent(this.redis, reconnectTimeout || DEFAULT_RECONNECT_TIMEOUT_MS)
    let droppedAt = 0
    const down = watchConnection(this.redis, this.url, reconnectTimeout || MAX_TIMER_MS, {
      dropped: () => {
        if (events.stopping()) return
        droppedAt = performance.now()
        const until =
          reconnectTimeout > 0
            ? `it stops if Redis stays away ${reconnectTimeout} ms (--reconnect-timeout)`
            : 'it waits for ever (--reconnect-timeout 0)'
        tell(`lost its connection to Redis at ${this.url.shown}: reconnecting; ${until}`)
      },
      back: () => {
        if (events.stopping()) return
        const seconds = ((performance.now() - droppedAt) / 1000).toFixed(1)
        // Its name is its own again before it says so: a worker started under that name
        // from now on is refused, not left to share it until the next heartbeat.
        void events.back().then(() => {
          // Dropped again meanwhile: that is what it says now.
          if (down() || events.stopping()) return
          tell(`connected to Redis at ${this.url.shown} again, after ${seconds} s`)
        })
      },
      lost: () => {
        if (reconnectTimeout > 0) {
          events.lose(
            new ClusterConnectionError({
              message: `taskgraph worker ${name}: the connection to Redis at ${this.url.shown} has been down for ${reconnectTimeout} ms, so it stopped. Check that Redis is up and reachable, then start the worker again (reconnectTimeout, --reconnect-timeout, sets the wait; 0 waits for ever).`,
            }),
          )
        }
      },
      // Waiting would not bring it back, however long: it stops now, and says why.
      refused: (error) => events.lose(passwordRefused(`taskgraph worker ${name}`, this.url, error)),
    })
  }

  /** Drops all three, awaiting nothing: with Redis down they would never end. */
  disconnect(): void {
    this.stopProbes()
    // BullMQ does not close a connection it was given: without this, a program that
    // embeds a worker would never exit.
    this.queue.disconnect()
    this.subscriber.disconnect()
    this.redis.disconnect()
  }
}

/**
 * When each connection dropped, while it is down: a stopping worker's wait for Redis
 * counts from then, so that one stopped long after Redis went away does not wait again.
 */
const DOWN_SINCE = new WeakMap<Redis, number>()

function noteDrops(connection: Redis): void {
  connection.on('close', () => {
    if (!DOWN_SINCE.has(connection)) DOWN_SINCE.set(connection, performance.now())
  })
  connection.on('ready', () => DOWN_SINCE.delete(connection))
}

/**
 * Whether `promise` settles before any of `connections` has been down for `graceMs` on
 * end: a hand-back takes what it takes while Redis answers (a loaded machine may need
 * seconds), and is given up only when Redis is gone. Down counts from the drop: a
 * connection down for longer already gives up at once.
 */
export function settlesWhileConnected(
  promise: Promise<unknown> | undefined,
  connections: readonly Redis[],
  graceMs: number,
): Promise<boolean> {
  return new Promise((resolve) => {
    let seenDown: number | undefined
    const check = (): void => {
      const down = connections.filter((connection) => connection.status !== 'ready')
      if (down.length === 0) {
        seenDown = undefined
        return
      }
      seenDown ??= performance.now()
      const since = Math.min(seenDown, ...down.map((c) => DOWN_SINCE.get(c) ?? Infinity))
      if (performance.now() - since >= graceMs) finish(false)
    }
    const poll = setInterval(check, 100)
    const finish = (settled: boolean): void => {
      clearInterval(poll)
      resolve(settled)
    }
    void (promise ?? Promise.resolve()).then(
      () => finish(true),
      () => finish(true),
    )
    check()
  })
}
