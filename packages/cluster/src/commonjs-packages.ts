import { createRequire } from 'node:module'
import type * as BullMQ from 'bullmq'
import type * as IORedis from 'ioredis'

// ioredis and BullMQ are CommonJS packages (BullMQ's package.json has no "exports", so
// even an `import` of it loads its CommonJS build). Imported from an ES module, each is
// first scanned by Node for its named exports, following every re-export through
// BullMQ's hundred files; required, they load without that scan. On Node 20 with two
// cores that is about 50 ms less for ioredis and 80 ms for BullMQ on every worker's and
// driver's start (`node -e "require('bullmq')"` against
// `node --input-type=module -e "await import('bullmq')"`).
const require = createRequire(import.meta.url)

/** ioredis's client class. */
export const { Redis } = require('ioredis') as typeof IORedis
export type Redis = IORedis.Redis

/** BullMQ, loaded on first use: the largest thing a worker or driver loads. */
export function loadBullMQ(): typeof BullMQ {
  return require('bullmq') as typeof BullMQ
}
