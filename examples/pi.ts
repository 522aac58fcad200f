// Monte Carlo estimate of pi, the lesson's `calc_pi` split into M independent tasks
// whose results are averaged: throw N random points at the unit square and count the
// share that lands inside the quarter circle. Each task has its own seed, so the
// estimate is the same on every run and every executor.
//
//   npx taskgraph run examples/pi.ts
//   npx taskgraph visualize examples/pi.ts -o pi.svg
import { delayed } from 'taskgraph'

/** Estimates pi from `samples` random points drawn from a generator seeded with `seed`. */
export function calcPi(samples: number, seed: number): number {
  const random = mulberry32(seed)
  let inside = 0
  for (let i = 0; i < samples; i++) {
    const x = random() * 2 - 1
    const y = random() * 2 - 1
    if (x * x + y * y < 1) inside++
  }
  return (4 * inside) / samples
}

/** A small, fast, seedable pseudo-random generator (uniform on [0, 1)). */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function mean(values: number[]): number {
  return values.reduce((total, value) => total + value, 0) / values.length
}

const TASKS = 8
const SAMPLES_PER_TASK = 2_000_000

const estimate = delayed(calcPi, { name: 'calc_pi' })
const average = delayed(mean)

export default average(Array.from({ length: TASKS }, (_, i) => estimate(SAMPLES_PER_TASK, i + 1)))
