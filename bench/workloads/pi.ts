// The Monte Carlo pi workload: the lesson's calc_pi, as examples/pi.ts has it.
import { delayed } from 'taskgraph'
import { calcPi } from '../../examples/pi.ts'

export { calcPi }

export const estimatePi = delayed(calcPi, { name: 'calc_pi' })

export const mean = delayed(function mean(values: number[]) {
  return values.reduce((total, value) => total + value, 0) / values.length
})

/**
 * Samples of calcPi taking about `ms` on one core here; `TASKGRAPH_BENCH_PI_SAMPLES` if
 * set. A comparison sets it once (`calibratePi`) for all its processes: each process's
 * own probe swings by half or more on a busy machine, and a speed-up of one process's
 * tasks over another's would compare different amounts of work.
 */
export function samplesFor(ms: number): number {
  const given = Number(process.env.TASKGRAPH_BENCH_PI_SAMPLES)
  if (Number.isSafeInteger(given) && given > 0) return Math.round((given * ms) / 250)
  const probe = 2_000_000
  calcPi(probe, 1)
  const started = performance.now()
  calcPi(probe, 2)
  return Math.round((probe * ms) / (performance.now() - started))
}

/** Sets `TASKGRAPH_BENCH_PI_SAMPLES` for this process and those it starts: the median of five probes. */
export function calibratePi(): number {
  if (process.env.TASKGRAPH_BENCH_PI_SAMPLES !== undefined) return samplesFor(250)
  const probes = Array.from({ length: 5 }, () => samplesFor(250)).sort((a, b) => a - b)
  process.env.TASKGRAPH_BENCH_PI_SAMPLES = String(probes[2])
  return probes[2]!
}
