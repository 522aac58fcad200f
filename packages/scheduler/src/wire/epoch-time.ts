// The clock of task records, on both sides of a worker boundary: milliseconds since the
// Unix epoch with a fraction, so that the threads and processes of one machine, and the
// scheduler that reads what they measured, share one time line (to within the few
// microseconds their time origins differ by: see `TaskRecorder.recordOf`).

// Read once: `performance.timeOrigin` is a getter, and a timed call takes two times.
const TIME_ORIGIN = performance.timeOrigin
// Held here: the global `performance` is itself a getter, read twice per recorded task.
const clock = performance

/** `performance.now()` (`at`) as milliseconds since the epoch. */
export function epochOf(at: number): number {
  return TIME_ORIGIN + at
}

/** Now, in milliseconds since the epoch with a fraction. */
export function epochNow(): number {
  return TIME_ORIGIN + clock.now()
}
