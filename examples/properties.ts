// ΦML's parallel properties: the normalized (mean-subtracted) result of an expensive
// computation over a batch, in three stages. `individualResult` is computed per element,
// in parallel; `mean` needs the whole batch, so it runs once on the main thread once
// every individual result is in; `normalizedResult` is per element again. Only the
// requested property is kept: the individual results and the mean are intermediates.
//
//   npx taskgraph run examples/properties.ts                        # one element after another
//   npx taskgraph run examples/properties.ts --executor processes   # the elements side by side
//   npx taskgraph visualize examples/properties.ts -o properties.svg
import { delayedProperties, properties } from 'taskgraph'

/** Stands for an expensive computation: holds its thread for `ms` milliseconds. */
function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

export function expensiveToCompute(x: number): number {
  sleep(1000)
  return 2 * x
}

export function mean(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0) / values.length
}

// Defined in the module's top-level code, so workers that import it find the functions.
export const ParallelNormComputation = properties<{ data: number[] }>()
  .batch('data')
  .parallel('individualResult', (x) => expensiveToCompute(x.data))
  .whole('mean', { uses: ['individualResult'] }, (all) => mean(all.individualResult))
  .parallel(
    'normalizedResult',
    { uses: ['individualResult', 'mean'] },
    (x) => x.individualResult - x.mean,
  )

const computation = ParallelNormComputation.create({ data: [1, 2, 3] })

// { normalizedResult: [-2, 0, 2] }. In a program of your own, compute and keep it on the
// object instead: await parallelCompute(computation, ['normalizedResult'], { executor: 'processes' })
export default delayedProperties(computation, ['normalizedResult'])
