import { InvalidOptionError } from '@taskgraph/core'
import { checkOptionNames, describeValue } from '@taskgraph/core/internal'
import type { ComputeHooks } from '@taskgraph/scheduler'
import { progressLine, summaryLine } from './progress-line.js'
import { RateMeter } from './rate-meter.js'
import { TaskCounts, type ProgressCounts } from './task-counts.js'
import { ERASE_DOWN, ERASE_LINE_END, NO_WRAP, WRAP, canRedraw, columnsOf } from './terminal.js'
import { useColor } from '../use-color.js'

/** Options of `progressBar`. */
export interface ProgressBarOptions {
  /** Where the bar is drawn. @default process.stderr */
  stream?: NodeJS.WritableStream
  /**
   * Milliseconds a run lasts before anything is shown: a quicker run prints nothing.
   * @default 1000
   */
  delay?: number
  /** Milliseconds between redraws. @default 100 */
  interval?: number
  /**
   * Redraw the line in place while the run goes on; otherwise only the summary line is
   * written, at the end.
   * @default true on a terminal (stream.isTTY) unless TERM is "dumb"
   */
  live?: boolean
  /**
   * Colour the bar, failures and retries.
   * @default on a terminal unless NO_COLOR, NODE_DISABLE_COLORS or TERM=dumb is set; anywhere with FORCE_COLOR
   */
  colors?: boolean
}

/** A progress bar: hooks to pass to `compute`, and the counts it shows. */
export interface ProgressBar extends ComputeHooks {
  /** The counts of the run under way (or of the last one). */
  readonly counts: ProgressCounts
}

const OPTION_NAMES: readonly string[] = ['stream', 'delay', 'interval', 'live', 'colors']

/**
 * A one-line progress bar for a run, as Dask's `ProgressBar`: once the run has lasted
 * `delay`, a line on `stream` shows the tasks finished out of all, those failed, running
 * and retrying, the rate, an estimate of the time left, the time elapsed and the task
 * running longest, fitted to the terminal's width. At the end it leaves a summary line
 * (tasks done, failed and skipped, time taken); a run quicker than `delay` prints nothing.
 * One run at a time: hooks of a bar shared by runs at once would mix their counts.
 *
 * @example
 * import { combineHooks, compute, progressBar } from 'taskgraph'
 *
 * await compute(total, { executor: 'threads', hooks: progressBar() })
 * await compute(total, { hooks: combineHooks(progressBar(), myLogger) })
 */
export function progressBar(options: ProgressBarOptions = {}): ProgressBar {
  checkOptions(options)
  const stream = options.stream ?? process.stderr
  return new ProgressDisplay(stream, {
    delay: options.delay ?? 1000,
    interval: options.interval ?? 100,
    live: options.live ?? canRedraw(stream, process.env),
    // Any writable stream: one that is no terminal is coloured only with FORCE_COLOR.
    colors: options.colors ?? useColor(stream as NodeJS.WriteStream),
  })
}

class ProgressDisplay implements ProgressBar {
  private readonly tally = new TaskCounts()
  private readonly rate = new RateMeter()
  private startedAt = 0
  private timer: NodeJS.Timeout | undefined
  /** Whether a frame is on the screen, and the width it was drawn for. */
  private drawnWidth: number | undefined

  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly settings: Required<Omit<ProgressBarOptions, 'stream'>>,
  ) {}

  get counts(): ProgressCounts {
    return this.tally.snapshot()
  }

  readonly onStart: NonNullable<ComputeHooks['onStart']> = ({ tasks }) => {
    this.end()
    this.tally.reset(tasks)
    this.startedAt = performance.now()
    this.rate.reset(this.startedAt)
    if (!this.settings.live) return
    this.timer = setTimeout(() => {
      this.timer = setInterval(this.draw, this.settings.interval)
      this.timer.unref()
      this.stream.on('resize', this.draw)
      this.draw()
    }, this.settings.delay)
    // The bar never keeps a program alive.
    this.timer.unref()
  }

  readonly onTaskStart: NonNullable<ComputeHooks['onTaskStart']> = (task) =>
    this.tally.started(task)

  readonly onTaskEnd: NonNullable<ComputeHooks['onTaskEnd']> = (task, outcome) =>
    this.tally.ended(task, outcome)

  readonly onTaskRetry: NonNullable<ComputeHooks['onTaskRetry']> = (task) =>
    this.tally.retried(task)

  readonly onTasksAdded: NonNullable<ComputeHooks['onTasksAdded']> = ({ tasks }) =>
    this.tally.added(tasks)

  readonly onFinish: NonNullable<ComputeHooks['onFinish']> = (summary) => {
    this.tally.finished()
    const shown = this.drawnWidth !== undefined || summary.elapsedMs >= this.settings.delay
    const summaryText = summaryLine(
      this.tally,
      summary.elapsedMs,
      this.settings.colors,
      summary.cached,
    )
    this.end(shown ? `${summaryText}\n` : '')
  }

  private readonly draw = (): void => {
    const now = performance.now()
    const { tally } = this
    const columns = columnsOf(this.stream)
    const line = progressLine(
      {
        counts: tally,
        elapsedMs: now - this.startedAt,
        rate: this.rate.sample(now, tally.done + tally.failed),
        current: tally.oldestRunning,
      },
      // The last column is left free: a character there would make some terminals wrap.
      columns - 1,
      this.settings.colors,
    )
    // Written over the last frame, then the rest of it erased: no blank flashes between.
    this.stream.write(NO_WRAP + this.home(columns) + line + ERASE_LINE_END + '\r' + WRAP)
    this.drawnWidth = columns
  }

  /**
   * Back to the start of the frame drawn last. The cursor rests there between frames
   * (`\r`), where a terminal that rewraps lines when it gets narrower keeps it: the rows
   * below are then what is left of the last frame, erased.
   */
  private home(columns: number): string {
    return this.drawnWidth !== undefined && columns < this.drawnWidth ? `\r${ERASE_DOWN}` : '\r'
  }

  /** Stops drawing; the frame on the screen, if any, gives way to `text`. */
  private end(text = ''): void {
    clearTimeout(this.timer)
    clearInterval(this.timer)
    this.timer = undefined
    this.stream.off('resize', this.draw)
    const erase =
      this.drawnWidth === undefined ? '' : this.home(columnsOf(this.stream)) + ERASE_LINE_END
    if (erase !== '' || text !== '') this.stream.write(erase + text)
    this.drawnWidth = undefined
  }
}

function checkOptions(options: ProgressBarOptions): void {
  checkOptionNames('progressBar', options, OPTION_NAMES)
  const { stream, delay, interval, live, colors } = options
  // `null` too is no stream: reading its `write` threw a bare TypeError.
  if (stream !== undefined && typeof (stream as { write?: unknown } | null)?.write !== 'function') {
    throw new InvalidOptionError({
      message: `progressBar: option "stream" must be a writable stream such as process.stderr, got ${describeValue(stream)}.`,
    })
  }
  for (const [name, value, least] of [
    ['delay', delay, 0],
    ['interval', interval, 1],
  ] as const) {
    if (
      value !== undefined &&
      !(typeof value === 'number' && value >= least && value <= 2 ** 31 - 1)
    ) {
      throw new InvalidOptionError({
        message: `progressBar: option "${name}" must be a number of milliseconds from ${least} to 2147483647, got ${describeValue(value)}.`,
      })
    }
  }
  for (const [name, value] of [
    ['live', live],
    ['colors', colors],
  ] as const) {
    if (value !== undefined && typeof value !== 'boolean') {
      throw new InvalidOptionError({
        message: `progressBar: option "${name}" must be true or false, got ${describeValue(value)}.`,
      })
    }
  }
}
