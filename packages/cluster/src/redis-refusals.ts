import { ClusterStoreError } from './errors.js'

/*
 * Redis answering a command with an error, told from a connection that failed: a full
 * Redis (`maxmemory` reached, with `noeviction`) or an ACL user without the rights is
 * not cured by reconnecting, and the user must hear which it is.
 */

/** Whether `error` is an error Redis answered (ioredis's `ReplyError`). */
export function isRedisReply(error: unknown): error is Error {
  return error instanceof Error && error.name === 'ReplyError'
}

/**
 * Whether `error` is Redis refusing a write because it is full: the command's own
 * answer, or the cause of a transaction Redis discarded for it (`EXECABORT`, whose
 * commands ioredis keeps as `previousErrors`).
 */
export function isRedisFull(error: unknown): boolean {
  if (!isRedisReply(error)) return false
  return error.message.startsWith('OOM ') || previousErrors(error).some(isRedisFull)
}

/**
 * What Redis said, for messages: for a discarded transaction, why it discarded it (the
 * errors of the commands it refused).
 */
export function refusalText(error: Error): string {
  const previous = previousErrors(error)
  if (previous.length === 0) return error.message
  return [...new Set(previous.map((cause) => String((cause as Error).message)))].join('; ')
}

/**
 * What went wrong with a request to Redis, in words for the user: Redis's own answer, or
 * the connection's failure. ioredis fails the requests of a connection that dropped and
 * did not come back in time with advice about an option of its own (taskgraph sets it),
 * which the user cannot act on.
 */
export function failureText(error: unknown): string {
  if (isRedisReply(error)) return refusalText(error)
  if (error instanceof Error && error.name === 'MaxRetriesPerRequestError') {
    return 'the connection to Redis dropped, and was not back in time to send the request'
  }
  return error instanceof Error ? error.message : String(error)
}

/**
 * The errors of a transaction's commands that ioredis keeps on its `EXEC`'s error, but
 * that error itself: a transaction ioredis failed whole (Redis refused the connection's
 * password, say) has the one error for each command, which lists itself among them.
 */
function previousErrors(error: Error): unknown[] {
  const previous = (error as { previousErrors?: unknown }).previousErrors
  return Array.isArray(previous) ? previous.filter((cause) => cause !== error) : []
}

/**
 * Whether what Redis said is its refusal of a value larger than it takes in one command
 * (its `proto-max-bulk-len`): `ERR Protocol error: invalid bulk length`, after which it
 * closes the connection.
 */
export function saysTooLong(said: string): boolean {
  return said.includes('invalid bulk length')
}

/** What Redis's `proto-max-bulk-len` is, for messages. */
const BULK_LIMIT =
  'larger than Redis takes in one command (its proto-max-bulk-len, 512 MB by default)'

/**
 * What to do about a result too long for Redis, for a worker's messages: one stored in
 * Redis under a `maxStoredBytes` raised above Redis's own limit, or an output of a run
 * whose cluster has no shared directory (`store`, the driver's), which goes through
 * Redis whatever its size.
 */
export function tooLongFix(store: string | undefined): string {
  const stored = `A value sent through Redis is ${BULK_LIMIT}: results under --max-stored-bytes (the maxStoredBytes option) are stored there`
  return store === undefined
    ? `${stored}, and so is an output of the run when the cluster has no shared directory. Give the cluster one (--store on the driver and on every worker) with --max-stored-bytes below proto-max-bulk-len, or raise proto-max-bulk-len.`
    : `${stored}. Lower --max-stored-bytes below proto-max-bulk-len, so that larger results go to the shared directory, or raise proto-max-bulk-len.`
}

/** What to do about a job too long for Redis, for the driver's messages. */
export const JOB_TOO_LONG_FIX = `A job of the run is ${BULK_LIMIT}: the data a workflow passes to its tasks goes inside their jobs. Make large data a task's result (results over --max-stored-bytes go to the shared directory, --store), or raise proto-max-bulk-len.`

/** What to do about a full Redis, for messages. */
export const FULL_FIX =
  'Give it more memory (maxmemory in redis.conf, or CONFIG SET maxmemory), or keep large results out of it (a shared directory, --store, with a lower --max-stored-bytes), then run again.'

/** What to do about another refusal, for messages. */
export const REFUSED_FIX =
  'If it says NOPERM, give the cluster\'s ACL user the rights docs/cluster.md lists ("A user for taskgraph"), then run again.'

/**
 * `error` as `call` throws it when Redis refused one of its requests (a user without the
 * rights, a full Redis): a `ClusterStoreError` saying what Redis said and what to do;
 * anything else as it is.
 */
export function refusedRequest(call: string, shown: string, error: unknown): unknown {
  if (!isRedisReply(error)) return error
  const full = isRedisFull(error)
  return new ClusterStoreError({
    full,
    message: `${call}: Redis at ${shown} refused a request (${refusalText(error)}). ${full ? FULL_FIX : REFUSED_FIX}`,
    cause: error,
  })
}
