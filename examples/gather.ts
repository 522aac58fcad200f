// The lesson's `gather`: turn a list of promises into a promise of a list.
// `add(n, n)` for n in 0..9 are ten independent tasks; gather makes one lazy list.
//
//   npx taskgraph run examples/gather.ts          # [0, 2, 4, ..., 18]
//   npx taskgraph visualize examples/gather.ts
import { delayed, gather } from 'taskgraph'

const add = delayed(function add(a: number, b: number) {
  return a + b
})

export default gather(Array.from({ length: 10 }, (_, n) => add(n, n)))
