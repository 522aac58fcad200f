import type { TaskCall } from '../executors/executor.js'
import type { FunctionRef } from '../wire/function-ref.js'
import type { CallQueue } from './call-queue.js'
import { BATCH_TARGET_MS } from './call-costs.js'
import { HEAVY_BYTES, type FunctionProfile } from './function-profile.js'
import { ownedBytes, runsAlone, type Pending } from './pending-call.js'
import { HELD_PER_WORKER } from './work-held.js'

// How a pool executor groups calls into batches, from what each function cost so far
// (function-profile.ts): many tiny calls share a round trip, long ones spread over every
// worker, one per worker, and a call of unknown cost goes in a batch of its own until its
// cost is known.

/** Most calls in one batch. */
const MAX_BATCH = 1024

/**
 * How much of a worker a call is expected to hold, in batches' worth, and whether it is
 * heavy or long (see `runsAlone`).
 */
export function weigh(
  call: TaskCall,
  refs: readonly FunctionRef[],
  profile: FunctionProfile,
): { readonly weight: number; readonly heavy: boolean; readonly long: boolean } {
  // A call with heavy inputs or results holds memory, if not its worker's time: until
  // it ends, more such calls only add to what waits in memory.
  const heavy = ownedBytes(call) >= HEAVY_BYTES || profile.makesHeavy(refs)
  // A long call holds its worker whole: the calls after it wait in the scheduler's
  // priority order, not in the order they were sent.
  const long = profile.isLong(refs)
  return { weight: heavy || long ? HELD_PER_WORKER : profile.weightOf(refs), heavy, long }
}

/**
 * Takes the next batch from `queue`: calls whose known costs fit the target; a call
 * that runs alone (see `runsAlone`) goes in a batch of its own.
 */
export function takeBatch(
  queue: CallQueue<Pending>,
  profile: FunctionProfile,
  workers: number,
): Pending[] {
  const queued = queue.size
  const first = queue.shift()
  if (runsAlone(first)) return [first]
  // Spread what is queued over every worker rather than fill one batch.
  const limit = Math.min(MAX_BATCH, Math.ceil(queued / workers))
  const batch = [first]
  let budget = BATCH_TARGET_MS - profile.costOf(first.refs)
  while (batch.length < limit && queue.size > 0) {
    const next = queue.peek()
    if (runsAlone(next)) break
    const cost = profile.costOf(next.refs)
    if (cost > budget) break
    budget -= cost
    batch.push(queue.shift())
  }
  return batch
}
