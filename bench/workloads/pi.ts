// The Monte Carlo pi workload: the lesson's calc_pi, as examples/pi.ts has it.
import { delayed } from 'taskgraph'
import { calcPi } from '../../examples/pi.ts'

export { calcPi }

export const estimatePi = delayed(calcPi, { name: 'calc_pi' })

export const mean = delayed(function mean(values: number[]) {
  return values.reduce((total, value) => total + value, 0) / values.length
})
