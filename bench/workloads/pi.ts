// The Monte Carlo pi workload: the lesson's calc_pi, as examples/pi.ts has it.
import { delayed } from 'taskgraph'
import { calcPi } from '../../examples/pi.ts'

export { calcPi }

export const estimatePi = delayed(calcPi, { name: 'calc_pi' })

export const mean = delayed(function mean(values: number[]) {
  return values.reduce((total, value) => total + value, 0) / values.length
})

/** Samples of calcPi taking about `ms` on one core here. */
export function samplesFor(ms: number): number {
  const probe = 2_000_000
  calcPi(probe, 1)
  const started = performance.now()
  calcPi(probe, 2)
  return Math.round((probe * ms) / (performance.now() - started))
}
