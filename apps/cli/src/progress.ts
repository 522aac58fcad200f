import type { ComputeHooks } from '@taskgraph/scheduler'

/** Options of `ProgressDisplay`. */
export interface ProgressOptions {
  /** Show nothing for runs shorter than this. @default 1000 */
  delayMs?: number
  /** Redraw period. @default 100 */
  intervalMs?: number
}

/**
 * A one-line progress display (done/total, running, failures, elapsed) redrawn in place
 * on a terminal. It appears only once a run has lasted `delayMs`, so quick runs print
 * nothing, and it erases itself when the run ends.
 */
export class ProgressDisplay {
  private total = 0
  private done = 0
  private failed = 0
  private running = 0
  private startedAt = 0
  private timer: NodeJS.Timeout | undefined
  private drawn = false
  private readonly delayMs: number
  private readonly intervalMs: number

  constructor(
    private readonly stream: NodeJS.WritableStream,
    options: ProgressOptions = {},
  ) {
    this.delayMs = options.delayMs ?? 1000
    this.intervalMs = options.intervalMs ?? 100
  }

  /** Hooks that feed the display; pass them to `compute`. */
  readonly hooks: ComputeHooks = {
    onStart: ({ tasks }) => this.start(tasks),
    onTaskStart: () => {
      this.running++
    },
    onTaskEnd: (_task, outcome) => {
      if (outcome.late === true) {
        // Counted as done when it ended; it failed after all.
        this.done--
        this.failed++
        return
      }
      this.running--
      if ('error' in outcome) this.failed++
      else this.done++
    },
    onFinish: () => this.stop(),
  }

  private start(total: number): void {
    this.total = total
    this.startedAt = performance.now()
    this.timer = setTimeout(() => {
      this.draw()
      this.timer = setInterval(() => this.draw(), this.intervalMs)
      this.timer.unref()
    }, this.delayMs)
    this.timer.unref()
  }

  /** Stops redrawing and erases the line. Safe to call more than once. */
  stop(): void {
    clearTimeout(this.timer)
    clearInterval(this.timer)
    this.timer = undefined
    if (this.drawn) this.stream.write('\r\x1b[2K')
    this.drawn = false
  }

  private draw(): void {
    const seconds = ((performance.now() - this.startedAt) / 1000).toFixed(1)
    const width = 20
    const filled =
      this.total === 0 ? width : Math.round((width * (this.done + this.failed)) / this.total)
    const bar = '#'.repeat(filled) + '-'.repeat(width - filled)
    this.stream.write(
      `\r\x1b[2K[${bar}] ${this.done}/${this.total} done · ${this.running} running · ${this.failed} failed · ${seconds}s`,
    )
    this.drawn = true
  }
}
