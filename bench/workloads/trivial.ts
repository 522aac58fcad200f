// Trivial tasks for the scheduler-overhead workloads (fan-out + sum, chains), in a module
// of their own so pool workers import nothing else to find them.
import { delayed } from 'taskgraph'

export const inc = delayed(function inc(x: number) {
  return x + 1
})

export const sum = delayed(function sum(values: number[]) {
  let total = 0
  for (const value of values) total += value
  return total
})
