// Tasks whose results a cache keeps (`cache: true`), for the cache's benchmarks
// (cache.ts): trivial ones, to measure what caching costs per task, and ones that wait,
// to count what a re-run with one input changed runs again.
import { delayed } from 'taskgraph'

export const inc = delayed(
  function inc(x: number) {
    return x + 1
  },
  { cache: true },
)

export const sum = delayed(
  function sum(values: number[]) {
    let total = 0
    for (const value of values) total += value
    return total
  },
  { cache: true },
)

/** Waits `ms`, then passes `x + 1` on; counts its calls in `calls`. */
export const step = delayed(
  async function step(x: number, ms: number) {
    calls.count++
    await new Promise((resolve) => setTimeout(resolve, ms))
    return x + 1
  },
  { cache: true },
)

/** Calls of `step` in this process. */
export const calls = { count: 0 }
