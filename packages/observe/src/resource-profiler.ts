import { InvalidOptionError } from '@taskgraph/core'
import { checkOptionNames, describeValue } from '@taskgraph/core/internal'
import type { ComputeHooks } from '@taskgraph/scheduler'
import { checkInterval } from './check-interval.js'
import { childPids, readProcess } from './process-stats.js'

/** The resources of one process at a sample. */
export interface ProcessSample {
  readonly pid: number
  /** Resident set size, in bytes: the threads of a process share it. */
  readonly rss: number
  /** CPU used since the last sample, in percent of one core (over 100 on several). */
  readonly cpu: number
}

/** What the program used at one moment, as `ResourceProfiler` samples it. */
export interface ResourceSample {
  /** When, in milliseconds since the epoch (as task records' times). */
  readonly time: number
  /** The program itself, its worker threads included. */
  readonly main: ProcessSample
  /**
   * Its child processes (a process pool's workers): on Linux only, read from /proc;
   * empty elsewhere.
   */
  readonly children: readonly ProcessSample[]
}

/** Options of `ResourceProfiler`. */
export interface ResourceProfilerOptions {
  /**
   * Time between samples. Dask samples every second; runs here are often a few seconds
   * long, so a quarter of one.
   * @default 250
   */
  intervalMs?: number
  /**
   * Called with each sample as it is taken (a live display, say). If it throws when its
   * timer samples, sampling stops and `stop()` throws that error: under the hooks, the
   * run that ends next fails with it, as with any hook that throws.
   */
  onSample?: (sample: ResourceSample) => void
}

/** CPU time (ms) of a process at the last sample, and when that was. */
interface LastCpu {
  readonly cpuMs: number
  readonly at: number
}

/**
 * Samples the program's CPU use and memory (RSS), and those of its child processes, at
 * intervals while it runs, as Dask's `dask.diagnostics.ResourceProfiler` does. Its timer
 * never keeps a program alive. It samples while it is started (`start()` to `stop()`) or
 * a run given its hooks lasts, whichever ends last: its hooks may serve several runs at
 * once, and neither the end of one run nor `stop()` ends the sampling of another.
 * @example
 * const resources = new ResourceProfiler()
 * await compute(total, { hooks: combineHooks(profiler.hooks, resources.hooks) })
 * console.log(Math.max(...resources.samples.map((s) => s.main.rss)))
 */
export class ResourceProfiler {
  readonly intervalMs: number
  readonly #onSample: ((sample: ResourceSample) => void) | undefined
  readonly #samples: ResourceSample[] = []
  readonly #last = new Map<number, LastCpu>()
  #timer: NodeJS.Timeout | undefined
  /** Whether `start()` was called and `stop()` not since. */
  #started = false
  /** Runs given its hooks that have started and not finished. */
  #runs = 0
  /** What `onSample` threw when the timer sampled, until `stop()` throws it. */
  #failure: { readonly error: unknown } | undefined

  constructor(options: ResourceProfilerOptions = {}) {
    checkOptionNames('new ResourceProfiler', options, ['intervalMs', 'onSample'])
    const { intervalMs = 250 } = options
    checkInterval('new ResourceProfiler', 'intervalMs', intervalMs)
    this.intervalMs = intervalMs
    // Called at the first sample otherwise, where what is not a function failed the run
    // with a bare TypeError.
    const { onSample } = options
    if (onSample !== undefined && typeof onSample !== 'function') {
      throw new InvalidOptionError({
        message: `new ResourceProfiler: option "onSample" must be a function taking each sample, got ${describeValue(onSample)}. Pass one, or leave it out.`,
      })
    }
    this.#onSample = onSample
  }

  /**
   * Hooks that sample from the start of a run to its end: of the last run to end, when
   * several runs share them, or to `stop()` if it was started.
   */
  readonly hooks: ComputeHooks = {
    onStart: () => {
      this.#runs++
      this.#begin()
    },
    onFinish: () => {
      this.#runs = Math.max(0, this.#runs - 1)
      if (this.#runs === 0 && !this.#started) this.#end()
      this.#throwFailure()
    },
  }

  /** The samples taken so far, oldest first. */
  get samples(): readonly ResourceSample[] {
    return this.#samples
  }

  /** Whether it is sampling. */
  get running(): boolean {
    return this.#timer !== undefined
  }

  /**
   * Takes a sample now and then every `intervalMs`, until `stop()`. Started already, it
   * does nothing more (one `stop()` ends it); while a run given its hooks lasts, it
   * samples on after that run ends. Stopped by an `onSample` that threw, it samples
   * again only once `stop()` (or a run's end) has thrown that error.
   */
  start(): void {
    this.#started = true
    this.#begin()
  }

  /**
   * Ends what `start()` began: takes a last sample and stops sampling, unless a run given
   * its hooks still lasts (it samples until the last of them ends). Not started, it does
   * nothing.
   * @throws what `onSample` threw when the timer sampled, once
   */
  stop(): void {
    this.#started = false
    if (this.#runs === 0) this.#end()
    this.#throwFailure()
  }

  /** Forgets the samples taken, to profile another run. */
  clear(): void {
    this.#samples.length = 0
  }

  /** Takes one sample now, keeps it and returns it. */
  sample(): ResourceSample {
    const time = performance.timeOrigin + performance.now()
    const usage = process.cpuUsage()
    const main = this.#process(
      process.pid,
      (usage.user + usage.system) / 1000,
      process.memoryUsage.rss(),
      time,
    )
    const children: ProcessSample[] = []
    const alive = new Set([process.pid])
    for (const pid of childPids()) {
      const stats = readProcess(pid)
      if (stats === undefined) continue
      alive.add(pid)
      children.push(this.#process(pid, stats.cpuMs, stats.rss, time))
    }
    for (const pid of this.#last.keys()) if (!alive.has(pid)) this.#last.delete(pid)
    const sample: ResourceSample = { time, main, children }
    this.#samples.push(sample)
    this.#onSample?.(sample)
    return sample
  }

  /** Samples now and on, unless sampling already or stopped by a failure not yet thrown. */
  #begin(): void {
    if (this.#timer !== undefined || this.#failure !== undefined) return
    this.sample()
    this.#timer = setInterval(() => this.#tick(), this.intervalMs)
    // Sampling is for whoever watches the program: it must not keep it alive.
    this.#timer.unref()
  }

  /** Takes a last sample and stops sampling, if sampling. */
  #end(): void {
    if (this.#timer === undefined) return
    clearInterval(this.#timer)
    this.#timer = undefined
    this.sample()
  }

  /**
   * A sample of the timer's. An error thrown there would be uncaught and end the
   * program: sampling stops and `stop()` throws it instead.
   */
  #tick(): void {
    try {
      this.sample()
    } catch (error) {
      clearInterval(this.#timer)
      this.#timer = undefined
      this.#failure = { error }
    }
  }

  #throwFailure(): void {
    const failure = this.#failure
    if (failure === undefined) return
    this.#failure = undefined
    throw failure.error
  }

  /** A process's sample: CPU since its last one (0 at its first). */
  #process(pid: number, cpuMs: number, rss: number, at: number): ProcessSample {
    const last = this.#last.get(pid)
    this.#last.set(pid, { cpuMs, at })
    const wall = last === undefined ? 0 : at - last.at
    const cpu = wall > 0 ? (Math.max(0, cpuMs - last!.cpuMs) / wall) * 100 : 0
    return { pid, rss, cpu: Math.round(cpu * 10) / 10 }
  }
}
