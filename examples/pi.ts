// Monte Carlo estimate of pi, the lesson's `calc_pi` split into M independent tasks
// whose results are averaged: throw N random points at the unit square and count the
// share that lands inside the quarter circle. Each task has its own seed, so the
// estimate is the same on every run and every executor.
//
//   npx taskgraph run examples/pi.ts                       # one task at a time
//   npx taskgraph run examples/pi.ts --executor threads    # on every core
//   npx taskgraph visualize examples/pi.ts -o pi.svg
import { delayed } from 'taskgraph'

/**
 * Estimates pi from `samples` random points. A xorshift generator seeded with `seed`
 * keeps the estimate the same on every run; it is also cheap and scales across cores.
 */
export function calcPi(samples: number, seed: number): number {
  let state = seed | 0 || 1
  let inside = 0
  for (let i = 0; i < samples; i++) {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    const x = ((state >>> 0) / 4294967296) * 2 - 1
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    const y = ((state >>> 0) / 4294967296) * 2 - 1
    if (x * x + y * y < 1) inside++
  }
  return (4 * inside) / samples
}

export function mean(values: number[]): number {
  return values.reduce((total, value) => total + value, 0) / values.length
}

const TASKS = 8
const SAMPLES_PER_TASK = 10_000_000

const estimate = delayed(calcPi, { name: 'calc_pi' })
const average = delayed(mean)

export default average(Array.from({ length: TASKS }, (_, i) => estimate(SAMPLES_PER_TASK, i + 1)))
