import type { CacheSession, ResultCache } from '@taskgraph/scheduler'

/**
 * A cache that would store every result and keeps none: a run with it on a pool or a
 * cluster fuses cached chains and has each step's result brought back as it ends.
 */
export const everyResult: ResultCache = {
  open: (): Promise<CacheSession> =>
    Promise.resolve({
      known: new Map(),
      stores: () => true,
      completed: () => {},
      close: () => Promise.resolve(),
    }),
}
