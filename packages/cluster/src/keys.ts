// The Redis keys of a cluster. BullMQ keeps its queue under `tg:tasks:…`; taskgraph's own
// keys are below. Everything a run writes is under `tg:run:<id>…` and goes when it ends;
// a driver's replies and a worker's record expire by themselves if their owner dies.

/** BullMQ's key prefix and the queue's name: its keys are `tg:tasks:…`. */
export const PREFIX = 'tg'
export const QUEUE = 'tasks'

/** The run's record: exists (with a time to live the driver renews) while the run is on. */
export const runKey = (run: string): string => `tg:run:${run}`
/** The results the run's tasks stored: one hash, field = task key. */
export const resultsKey = (run: string): string => `tg:run:${run}:results`
/**
 * The field of task `key`'s result in its run's results hash. Redis takes strings as
 * UTF-8, where every lone surrogate is U+FFFD: a key holding one (or starting with NUL,
 * as these do) is written as NUL and its JSON, whose escapes keep them apart.
 */
export function resultField(key: string): string {
  return LONE_SURROGATE.test(key) || key.startsWith('\u0000') ? `\u0000${JSON.stringify(key)}` : key
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/** Ids of the runs on, so that workers can clear what a dead driver's runs left. */
export const RUNS = 'tg:runs'
/** Where workers push the outcomes of a driver's jobs. */
export const repliesKey = (driver: string): string => `tg:driver:${driver}:replies`
/** A live worker's record (a hash, with a time to live it renews). */
export const workerKey = (worker: string): string => `tg:worker:${worker}`
export const WORKER_PATTERN = 'tg:worker:*'
/**
 * A worker's claim on its name (which worker holds it, on which host, as which process),
 * with the time to live of its record: no two live workers share a name.
 */
export const nameKey = (name: string): string => `tg:name:${name}`
/**
 * A worker holding a job open for more calls of its run (see worker/held-jobs.ts), one
 * key per hold: exists while it waits; the driver takes it (deletes it) to send calls.
 */
export const holdKey = (run: string, hold: string): string => `tg:run:${run}:hold:${hold}`
/** The calls the driver sent to a hold, left for a worker whose word was lost. */
export const followKey = (run: string, hold: string): string => `tg:run:${run}:follow:${hold}`
/** Pub/sub channel on which a driver sends a worker the calls for a job it holds. */
export const followChannel = (worker: string): string => `tg:follow:${worker}`
/** Pub/sub channel on which drivers announce runs that ended: workers stop their calls. */
export const ENDED_CHANNEL = 'tg:ended'

/**
 * A channel no one listens on: a driver publishes to it once as it starts, so that a
 * Redis user that may not publish (which a run's end and a chain's next task need) fails
 * the start, not a run.
 */
export const STARTED_CHANNEL = 'tg:driver-started'
