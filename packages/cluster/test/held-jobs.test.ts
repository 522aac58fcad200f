// The protocol by which a driver sends calls to a job a worker holds open (a chain's next
// task goes to the worker that holds its input, without a new job): both sides on a real
// redis-server, as the executor and the worker use them.
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { ClusterRun } from '../src/driver/cluster-run.js'
import { JobHolds } from '../src/driver/job-holds.js'
import { followChannel, followKey, holdKey, resultsKey } from '../src/keys.js'
import { HOLD_MS, HOLD_TTL_MS } from '../src/wire/holds.js'
import { HeldJobs } from '../src/worker/held-jobs.js'
import { eventually, sleep } from './fault-checks.js'
import { startRedis, type RedisServer } from './redis-server.js'

let redis: RedisServer
let driver: Redis
let worker: Redis
let subscriber: Redis
let holds: JobHolds
let held: HeldJobs
/** Whether the worker hears its channel (a lost word is a worker that does not). */
let listening = true
let run: ClusterRun

beforeAll(async () => {
  redis = await startRedis()
  driver = new Redis(redis.url)
  worker = new Redis(redis.url)
  subscriber = new Redis(redis.url)
  holds = new JobHolds(driver)
  held = new HeldJobs(worker, 'w1')
  await subscriber.subscribe(followChannel('w1'))
  subscriber.on('message', (_channel: string, message: string) => {
    if (listening) held.told(message)
  })
})

afterEach(async () => {
  listening = true
  // Every test leaves nothing behind in Redis.
  await eventually(async () => expect(await redis.keys()).toEqual([]), 2 * HOLD_TTL_MS)
})

afterAll(async () => {
  for (const client of [driver, worker, subscriber]) client?.disconnect()
  await redis?.stop()
})

/** A worker's hold on job `job` of `run`, as finishing a job makes one, offered to the driver. */
async function holdJob(job: string): Promise<string> {
  run = new ClusterRun(`run-${job}`, new AbortController().signal)
  const hold = held.hold(job)
  await worker.set(holdKey(run.id, hold), '1', 'PX', HOLD_TTL_MS)
  holds.offered(run, { job, hold, worker: 'w1' })
  return hold
}

describe('held jobs', () => {
  test('calls sent to a held job reach its worker, on its channel', async () => {
    const hold = await holdJob('j1')
    const offer = holds.take(run)
    expect(offer).toMatchObject({ job: 'j1', hold })
    const taking = held.take(run.id, hold, new AbortController().signal)
    expect(await holds.send(run, offer!, 'batch-1', [])).toBe(true)
    const taken = await taking
    expect(taken?.batch).toBe('batch-1')
    // Taken from the word, the copy left in Redis for a lost word is named, for the job's
    // finish to delete. (On a loaded machine the wait can lapse before the word comes:
    // the calls are then taken from Redis, and nothing is left.)
    if (taken?.left !== undefined) {
      expect(taken.left).toBe(followKey(run.id, hold))
      expect(await worker.lrange(taken.left, 0, -1)).toEqual(['batch-1'])
      await worker.del(taken.left)
    }
    expect(await worker.exists(followKey(run.id, hold))).toBe(0)
  })

  test('results the run released are deleted with the calls sent, hold taken or not', async () => {
    const hold = await holdJob('j9')
    // Taken at once: an offer lapses HOLD_MS after it was made, which a loaded machine
    // can pass while the results are written.
    const offer = holds.take(run)!
    await driver.hset(resultsKey(run.id), { a: '1', b: '2', c: '3' })
    const taking = held.take(run.id, hold, new AbortController().signal)
    expect(await holds.send(run, offer, 'batch-9', ['a', 'b'])).toBe(true)
    expect(await driver.hkeys(resultsKey(run.id))).toEqual(['c'])
    // As the job's finish would (unless the wait lapsed first, and left nothing).
    const { left } = (await taking)!
    if (left !== undefined) await worker.del(left)
    // The hold is gone: the calls are refused, the results deleted all the same.
    const again = { job: 'j9', hold, worker: 'w1', at: performance.now() }
    expect(await holds.send(run, again, 'batch-9b', ['c'])).toBe(false)
    expect(await driver.exists(resultsKey(run.id))).toBe(0)
  })

  test('calls whose word came before the worker began to wait are taken from the word', async () => {
    const hold = await holdJob('j2')
    expect(await holds.send(run, holds.take(run)!, 'batch-2', [])).toBe(true)
    await sleep(50)
    // Only the word can bring them now.
    await driver.del(followKey(run.id, hold))
    expect(await held.take(run.id, hold, new AbortController().signal)).toMatchObject({
      batch: 'batch-2',
    })
  })

  test('a hold whose wait ended refuses calls: the driver sends them as a job', async () => {
    const hold = await holdJob('j3')
    const offer = holds.take(run)!
    expect(await held.take(run.id, hold, new AbortController().signal)).toBeUndefined()
    expect(await holds.send(run, offer, 'batch-3', [])).toBe(false)
  })

  test('calls whose word was lost are taken from Redis when the wait ends', async () => {
    listening = false
    const hold = await holdJob('j4')
    expect(await holds.send(run, holds.take(run)!, 'batch-4', [])).toBe(true)
    // Taken from Redis, where nothing is left.
    expect(await held.take(run.id, hold, new AbortController().signal)).toEqual({
      batch: 'batch-4',
    })
  })

  test("a run's end deletes the copy of calls a lost worker never ran", async () => {
    listening = false
    const hold = await holdJob('j10')
    expect(await holds.send(run, holds.take(run)!, 'batch-10', [])).toBe(true)
    expect(await worker.exists(followKey(run.id, hold))).toBe(1)
    // Its worker is gone: nothing takes the calls, and the run ends.
    await holds.end(run)
    expect(await worker.exists(followKey(run.id, hold))).toBe(0)
  })

  test('a word that comes late is never taken for a later hold of the same job', async () => {
    listening = false
    const first = await holdJob('j5')
    expect(await holds.send(run, holds.take(run)!, 'batch-5a', [])).toBe(true)
    expect(await held.take(run.id, first, new AbortController().signal)).toEqual({
      batch: 'batch-5a',
    })
    // Its word comes now, after the calls were taken from Redis.
    held.told(`${first} batch-5a`)
    listening = true
    const second = held.hold('j5')
    await worker.set(holdKey(run.id, second), '1', 'PX', HOLD_TTL_MS)
    holds.offered(run, { job: 'j5', hold: second, worker: 'w1' })
    expect(second).not.toBe(first)
    const taking = held.take(run.id, second, new AbortController().signal)
    expect(await holds.send(run, holds.take(run)!, 'batch-5b', [])).toBe(true)
    const taken = await taking
    expect(taken?.batch).toBe('batch-5b')
    if (taken?.left !== undefined) await worker.del(taken.left)
  })

  test('a wait ends as soon as its job is stopped', async () => {
    const hold = await holdJob('j6')
    // Taken at once: an offer lapses HOLD_MS after it was made, which a loaded machine
    // can pass while the wait below ends.
    const offer = holds.take(run)!
    const controller = new AbortController()
    const taking = held.take(run.id, hold, controller.signal)
    controller.abort()
    expect(await taking).toBeUndefined()
    expect(await holds.send(run, offer, 'batch-6', [])).toBe(false)
  })

  test('an offer lapses once its worker stopped waiting; the end of a run ends the rest', async () => {
    await holdJob('j7')
    await sleep(HOLD_MS + 5)
    expect(holds.take(run)).toBeUndefined()
    await holdJob('j8')
    await holds.end(run)
    expect(run.offers).toEqual([])
  })
})
