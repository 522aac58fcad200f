// A bare BullMQ worker process for measure-cluster.ts's `queue` workload: it answers each
// job by pushing its id to a list, and does nothing else. What a chain's hop costs with
// BullMQ alone, without taskgraph, on the same Redis and machine.
//
//   node --import tsx workloads/queue-hop-worker.ts REDIS_URL
import { Worker } from 'bullmq'
import { Redis } from 'ioredis'

export const HOP_QUEUE = 'bench-hop'
export const HOP_PREFIX = 'taskgraph-bench'
export const HOP_REPLIES = 'taskgraph-bench:hop-replies'

if (process.argv[1]?.endsWith('queue-hop-worker.ts')) {
  const url = process.argv[2]!
  const replies = new Redis(url)
  // As `taskgraph worker --threads 1` takes jobs: two at once, drained after 1 s.
  const worker = new Worker(
    HOP_QUEUE,
    async (job) => {
      await replies.rpush(HOP_REPLIES, job.id!)
    },
    {
      connection: new Redis(url, { maxRetriesPerRequest: null }),
      prefix: HOP_PREFIX,
      concurrency: 2,
      drainDelay: 1,
    },
  )
  await worker.waitUntilReady()
  process.stderr.write('ready\n')
  process.once('SIGTERM', () => {
    void worker.close().then(() => process.exit(0))
  })
}
