/** How far back the rate looks: long enough to be steady, short enough to follow a change of pace. */
const WINDOW_MS = 10_000

interface Sample {
  readonly at: number
  readonly finished: number
}

/**
 * Tasks finished per second over about the last ten seconds, from the count of finished
 * tasks read now and then. The window always keeps a finish, so a run of slow tasks
 * shows their pace rather than none between two finishes.
 */
export class RateMeter {
  /** When the count changed, oldest first. */
  private samples: Sample[] = []

  /** A new run, started `at` (milliseconds, `performance.now()`). */
  reset(at: number): void {
    this.samples = [{ at, finished: 0 }]
  }

  /** `finished` tasks had finished `at`: the rate then, or `undefined` before the first finish. */
  sample(at: number, finished: number): number | undefined {
    const samples = this.samples
    if (samples.at(-1)!.finished !== finished) samples.push({ at, finished })
    while (samples.length > 2 && samples[1]!.at <= at - WINDOW_MS) samples.shift()
    const first = samples[0]!
    if (finished === first.finished || at <= first.at) return undefined
    return ((finished - first.finished) * 1000) / (at - first.at)
  }
}
