// Tasks that make tasks: Fibonacci by tasks that each return the graph of their two
// predecessors' sum, for the cost of returned graphs (one nested run per task that
// returns one). In a module of its own so pool workers import nothing else.
import { delayed, type Delayed } from 'taskgraph'

export const add = delayed(function add(a: number, b: number) {
  return a + b
})

export const fib = delayed(
  (n: number): number | Delayed<number> => (n < 2 ? n : add(fib(n - 1), fib(n - 2))),
  { name: 'fib' },
)

/** Fibonacci computed directly, to check the result. */
export function fibonacci(n: number): number {
  let [a, b] = [0, 1]
  for (let i = 0; i < n; i++) [a, b] = [b, a + b]
  return a
}

/** Tasks a run of fib(n) runs: fib(n) calls, and an add for each call that returns one. */
export function fibTasks(n: number): number {
  const calls = 2 * fibonacci(n + 1) - 1
  return calls + (calls - 1) / 2
}
