import type { CacheSession, ResultCache } from '@taskgraph/scheduler'

/** What a `judgingCache` was told. */
export interface Judged {
  readonly cache: ResultCache
  /** The results brought back to it, by task key. */
  readonly completed: Map<string, unknown>
  /** The tasks whose results their workers kept, with how long they took. */
  readonly passedOver: Map<string, number | undefined>
}

/**
 * A cache that would store every result of 10 bytes plus a byte per ms its making took,
 * and keeps none: a step of a fused chain returning more is not worth bringing back, and
 * its worker keeps it (see `CacheSession.worth`).
 */
export function judgingCache(): Judged {
  const completed = new Map<string, unknown>()
  const passedOver = new Map<string, number | undefined>()
  const cache: ResultCache = {
    open: (): Promise<CacheSession> =>
      Promise.resolve({
        known: new Map(),
        stores: () => true,
        worth: () => ({ costMs: 10, bytesPerMs: 1 }),
        completed: (key, value) => completed.set(key, value),
        passedOver: (key, durationMs) => passedOver.set(key, durationMs),
        close: () => Promise.resolve(),
      }),
  }
  return { cache, completed, passedOver }
}
