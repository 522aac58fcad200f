import type { Redis } from 'ioredis'

/**
 * Writes a worker's record (a hash) and sets its time to live, in one script. The
 * `PEXPIRE` goes first: a full Redis (maxmemory reached, noeviction) refuses a script's
 * first command that takes memory, but none after a write, so a worker stays listed
 * (`taskgraph cluster status`, a driver's count of threads) while Redis is full: a few
 * hundred bytes a worker.
 */
const WRITE_RECORD = `
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
`

interface RecordCommand {
  taskgraphWorkerRecord(key: string, ...args: (string | number)[]): Promise<unknown>
}

export function defineWorkerRecord(redis: Redis): void {
  redis.defineCommand('taskgraphWorkerRecord', { numberOfKeys: 1, lua: WRITE_RECORD })
}

/** Writes `fields` as the record at `key`, which lives `ttlMs` unless written again. */
export async function writeWorkerRecord(
  redis: Redis,
  key: string,
  fields: Record<string, string | number>,
  ttlMs: number,
): Promise<void> {
  const args: (string | number)[] = [ttlMs]
  for (const [name, value] of Object.entries(fields)) args.push(name, value)
  await (redis as unknown as RecordCommand).taskgraphWorkerRecord(key, ...args)
}
