// Task functions of the benchmarks, in a module of their own: pool executors' workers
// import it to find them (workers register tsx themselves to load it).
import { delayed } from 'taskgraph'
// The lesson's calc_pi, as the pi example has it: one workload, measured where it is shown.
import { calcPi } from '../examples/pi.ts'

export { calcPi }

export const inc = delayed(function inc(x: number) {
  return x + 1
})

export const sum = delayed(function sum(values: number[]) {
  let total = 0
  for (const value of values) total += value
  return total
})

export const estimatePi = delayed(calcPi, { name: 'calc_pi' })

export const mean = delayed(function mean(values: number[]) {
  return values.reduce((total, value) => total + value, 0) / values.length
})
