/**
 * Work held per worker, in batches' worth (a call of unknown cost counts as one): two
 * sent (one running, one ready behind it) and one waiting here; a long call counts as all
 * of it (see `CallCosts.isLong`). Beyond that the scheduler keeps tasks in its own priority
 * order (see `Executor.saturated`). A module of its own: the pool executor counts by it
 * before its engine (and the batching) is loaded.
 */
export const HELD_PER_WORKER = 2
