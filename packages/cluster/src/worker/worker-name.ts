import { readFileSync, readlinkSync } from 'node:fs'
import { hostname } from 'node:os'
import type { Redis } from 'ioredis'
import { WorkerNameInUseError } from '../errors.js'
import { nameKey, workerKey } from '../keys.js'

/*
 * A worker's name is its own while it lives: it claims it as it starts (a key holding
 * its id, host and pid, with its record's time to live) and renews the claim with its
 * record. A claim is taken in one script, so that two workers starting at once with the
 * same name cannot both get it.
 */

/**
 * Takes the name (KEYS[1]) for ARGV[1], living ARGV[2] ms, unless another claim holds it:
 * then answers that claim and its time to live. ARGV[3], if not empty, is the claim of a
 * worker known dead, which it replaces, and whose record (KEYS[2]) goes with it.
 */
const CLAIM = `
local held = redis.call('GET', KEYS[1])
if held and held ~= ARGV[1] and held ~= ARGV[3] then
  return {held, redis.call('PTTL', KEYS[1])}
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if held and held == ARGV[3] then redis.call('DEL', KEYS[2]) end
return false
`

/**
 * Renews the claim ARGV[1] on the name KEYS[1] for ARGV[2] ms; takes it again if it
 * lapsed. Answers the claim that holds the name instead, if another does.
 */
const RENEW = `
local held = redis.call('GET', KEYS[1])
if held == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
elseif not held then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
else
  return held
end
return false
`

/** Removes the worker's record (KEYS[2]) and its claim ARGV[1] on the name KEYS[1]. */
const RELEASE = `
redis.call('DEL', KEYS[2])
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
`

interface NameCommands {
  taskgraphClaimName(
    name: string,
    record: string,
    claim: string,
    ttlMs: number,
    dead: string,
  ): Promise<[string, number] | null>
  taskgraphRenewName(name: string, claim: string, ttlMs: number): Promise<string | null>
  taskgraphReleaseName(name: string, record: string, claim: string): Promise<unknown>
}

/** Who holds a name: what a claim says. */
interface Holder {
  readonly id: string
  readonly host: string
  readonly pid: number
  /** Its process id namespace (see `PID_SPACE`). */
  readonly space?: string
}

/**
 * Which process ids this process sees (Linux: its pid namespace, `pid:[4026531836]`):
 * containers may share a host name (host networking) but not process ids, and a live
 * worker of another one must not look dead here for want of its pid.
 */
const PID_SPACE = ((): string => {
  try {
    return readlinkSync('/proc/self/ns/pid')
  } catch {
    return ''
  }
})()

export function defineWorkerName(redis: Redis): void {
  redis.defineCommand('taskgraphClaimName', { numberOfKeys: 2, lua: CLAIM })
  redis.defineCommand('taskgraphRenewName', { numberOfKeys: 1, lua: RENEW })
  redis.defineCommand('taskgraphReleaseName', { numberOfKeys: 2, lua: RELEASE })
}

/** A worker's claim on its name, as the key holds it. */
export function nameClaim(id: string): string {
  return JSON.stringify({ id, host: hostname(), pid: process.pid, space: PID_SPACE })
}

/**
 * Claims `name` for the worker `id`, for `ttlMs`. A claim of a worker of this host whose
 * process is gone (killed a moment ago: its claim outlives it by up to `ttlMs`) is taken
 * over, and its record removed.
 * @throws {WorkerNameInUseError} when a live worker holds it, or one of another host
 *   whose claim has not lapsed (it may have died since its last heartbeat).
 */
export async function claimName(
  redis: Redis,
  name: string,
  id: string,
  ttlMs: number,
): Promise<void> {
  const commands = redis as unknown as NameCommands
  const claim = nameClaim(id)
  let dead = ''
  let deadRecord = workerKey(id)
  // Twice at most: a dead worker's claim replaced by another start meanwhile is that one's.
  for (let attempt = 0; attempt < 2; attempt++) {
    const held = await commands.taskgraphClaimName(nameKey(name), deadRecord, claim, ttlMs, dead)
    if (held === null) return
    const [text, ttl] = held
    const holder = parseHolder(text)
    if (holder !== undefined && isHere(holder) && !isAlive(holder.pid)) {
      dead = text
      deadRecord = workerKey(holder.id)
      continue
    }
    throw inUse(name, holder, ttl, ttlMs)
  }
  throw inUse(name, undefined, ttlMs, ttlMs)
}

/**
 * Renews the worker `id`'s claim on `name`, or takes it again if it lapsed meanwhile.
 * Resolves with a warning's text if another worker took the name while its claim had
 * lapsed (the claim is that worker's then, and this one runs under a name it shares).
 */
export async function renewName(
  redis: Redis,
  name: string,
  id: string,
  ttlMs: number,
): Promise<string | undefined> {
  const commands = redis as unknown as NameCommands
  const held = await commands.taskgraphRenewName(nameKey(name), nameClaim(id), ttlMs)
  if (held === null) return undefined
  const holder = parseHolder(held)
  const who =
    holder === undefined ? 'another process' : `a worker of host ${holder.host} (pid ${holder.pid})`
  return `taskgraph worker ${name}: the name ${name} is now held by ${who}, which took it while this worker's claim had lapsed (Redis restarted without persistence, or this process was stopped for over ${ttlMs / 1000} s): two workers of one name cannot be told apart in taskgraph cluster status, nor in errors naming the worker. Restart one of them with another name (--name, the name option).`
}

/** Removes the worker `id`'s record, and its claim on `name` if it still holds it. */
export async function releaseName(redis: Redis, name: string, id: string): Promise<void> {
  await (redis as unknown as NameCommands).taskgraphReleaseName(
    nameKey(name),
    workerKey(id),
    nameClaim(id),
  )
}

function parseHolder(text: string): Holder | undefined {
  try {
    const { id, host, pid, space } = JSON.parse(text) as Partial<Holder>
    if (typeof id === 'string' && typeof host === 'string' && typeof pid === 'number') {
      return { id, host, pid, ...(typeof space === 'string' && { space }) }
    }
  } catch {
    // Not a claim of ours: held all the same, by something unknown.
  }
  return undefined
}

/** Whether `holder`'s process is one this process can see: same host, same process ids. */
function isHere(holder: Holder): boolean {
  return holder.host === hostname() && (holder.space ?? '') === PID_SPACE
}

/**
 * Whether process `pid` of this host runs: one of another user's (EPERM) does; a zombie
 * (killed, not yet reaped by its parent) does not.
 */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH'
  }
  try {
    // Linux: the state follows the command's name, which ends with the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2))
  } catch {
    return true
  }
}

function inUse(
  name: string,
  holder: Holder | undefined,
  ttl: number,
  ttlMs: number,
): WorkerNameInUseError {
  const host = holder?.host ?? '?'
  const pid = holder?.pid ?? 0
  const here = holder !== undefined && isHere(holder)
  const where = here
    ? `a live worker of this host (${host}, pid ${pid})`
    : `a worker of host ${host} (pid ${pid}), whose last heartbeat was ${(Math.max(0, ttlMs - ttl) / 1000).toFixed(1)} s ago`
  const wait = here
    ? 'or stop that worker first'
    : `or, if that worker has just died, start this one again once its claim lapses, within ${Math.max(1, Math.ceil(ttl / 1000))} s`
  return new WorkerNameInUseError({
    worker: name,
    host,
    pid,
    message: `taskgraph worker ${name}: the name ${name} is held by ${where}: two workers of one name could not be told apart in taskgraph cluster status, nor in errors naming the worker. Give this one another name (--name, the name option), ${wait}.`,
  })
}
