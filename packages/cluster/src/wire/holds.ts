// Held jobs: how a chain's next task reaches the worker that holds its input without a
// new job (worker/held-jobs.ts takes calls; the driver sends them, driver/job-holds.ts).

/**
 * How long a worker holds a job open after its calls ended, for the driver to send the
 * calls their results made ready. A chain's next task then goes straight to the worker
 * that holds its input, without a new job: an add, a wake and a take in BullMQ cost
 * more than the round trip this takes (docs/cluster.md, "Held jobs", has the figures).
 */
export const HOLD_MS = 10
/** A job is no longer held once it has been running this long: other jobs get their turn. */
export const HOLD_FOR_MS = 200
/** What Redis keeps a hold whose worker vanished: well past any wait. */
export const HOLD_TTL_MS = 2000
