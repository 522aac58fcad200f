// The lesson's Monte Carlo pi with a bag: `calcPi` (from pi.ts) mapped over 24 seeds,
// one partition each, and the estimates averaged with `mean`. Each estimate has its
// own seed, so the result is the same on every run and every executor.
//
//   npx taskgraph run examples/pi-bag.ts                      # one task at a time
//   npx taskgraph run examples/pi-bag.ts --executor threads   # on every core
import { bag } from 'taskgraph'
import { calcPi } from './pi.ts'

const ESTIMATES = 24
const SAMPLES = 2_000_000

// Seeds rather than the lesson's 24 copies of N: calcPi is seeded, and 24 estimates with
// one seed would all be the same estimate.
const seeds = Array.from({ length: ESTIMATES }, (_, i) => i + 1)

export default bag
  .from(seeds)
  .map((seed) => calcPi(SAMPLES, seed))
  .mean()
