import type { Redis } from 'ioredis'
import { WORKER_PATTERN } from '../keys.js'

/** A live worker, as `taskgraph cluster status` lists it. */
export interface WorkerInfo {
  readonly id: string
  readonly name: string
  readonly host: string
  readonly pid: number
  readonly threads: number
  /**
   * Tasks running on its threads, as of its last heartbeat (every 2 s): one a thread for
   * synchronous functions; async ones overlap.
   */
  readonly running: number
  /**
   * Tasks it holds that wait for a thread, as of its last heartbeat: a worker takes up
   * to two jobs per thread, and a job may carry several small tasks.
   */
  readonly waiting: number
  /**
   * Its process's resident memory in bytes, as of its last heartbeat (every 2 s); its
   * threads share it. Missing for a worker of a taskgraph that did not report it.
   */
  readonly rss?: number
  readonly taskgraph: string
  readonly node: string
  /** When it started (ms since the epoch). */
  readonly since: number
}

/** The live workers: those whose record has not expired. */
export async function listWorkers(redis: Redis): Promise<WorkerInfo[]> {
  const keys: string[] = []
  let cursor = '0'
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', WORKER_PATTERN, 'COUNT', 1000)
    cursor = next
    keys.push(...found)
  } while (cursor !== '0')
  const pipeline = redis.pipeline()
  for (const key of keys) pipeline.hgetall(key)
  const records = (await pipeline.exec()) ?? []
  const workers: WorkerInfo[] = []
  for (const [error, record] of records) {
    const fields = record as Record<string, string> | undefined
    if (error !== null || fields?.id === undefined) continue
    workers.push({
      id: fields.id,
      name: fields.name ?? fields.id,
      host: fields.host ?? '',
      pid: Number(fields.pid),
      threads: Number(fields.threads),
      running: Number(fields.running),
      waiting: Number(fields.waiting ?? 0),
      ...(fields.rss === undefined ? {} : { rss: Number(fields.rss) }),
      taskgraph: fields.taskgraph ?? '',
      node: fields.node ?? '',
      since: Number(fields.since),
    })
  }
  return workers.sort((a, b) => a.name.localeCompare(b.name))
}

/** Threads of every live worker together. */
export async function clusterThreads(redis: Redis): Promise<number> {
  const workers = await listWorkers(redis)
  return workers.reduce((sum, worker) => sum + worker.threads, 0)
}
