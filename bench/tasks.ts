// Task functions of the benchmarks, in a module of their own: pool executors' workers
// import it to find them (the benchmarks run with `node --import tsx`, which workers inherit).
import { delayed } from 'taskgraph'

export const inc = delayed(function inc(x: number) {
  return x + 1
})

export const sum = delayed(function sum(values: number[]) {
  let total = 0
  for (const value of values) total += value
  return total
})

/**
 * The lesson's calc_pi: the share of `samples` random points in the unit square that
 * fall inside the quarter circle, times 4. A xorshift generator seeded per task keeps
 * runs repeatable and, unlike multiply-heavy generators, scales across cores.
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

export const estimatePi = delayed(calcPi, { name: 'calc_pi' })

export const mean = delayed(function mean(values: number[]) {
  return values.reduce((total, value) => total + value, 0) / values.length
})
