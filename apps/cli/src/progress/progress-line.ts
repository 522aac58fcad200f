import { createRequire } from 'node:module'
import type Truncate from 'cli-truncate'
import type { ProgressCounts } from './task-counts.js'
import { paint, type Style } from './terminal.js'

let truncate: typeof Truncate | undefined

/**
 * `text` cut to `columns` on screen. cli-truncate (with the width tables it loads) costs
 * some 30 ms to load, and every `import 'taskgraph'` loads this module: it loads with the
 * first line drawn, through `require` (Node 20.19+ requires ES modules).
 */
function cliTruncate(text: string, columns: number): string {
  truncate ??= (createRequire(import.meta.url)('cli-truncate') as { default: typeof Truncate })
    .default
  return truncate(text, columns)
}

/** What one frame of the display shows. */
export interface Frame {
  readonly counts: ProgressCounts
  readonly elapsedMs: number
  /** Tasks finished per second lately (above 0), if any has finished. */
  readonly rate: number | undefined
  /** The key of the task running longest, if any. */
  readonly current: string | undefined
}

/** Narrowest and widest inside of the bar, and the width wider spacing may not squeeze it below. */
const BAR_MIN = 10
const BAR_MAX = 30
const BAR_ROOMY = 20
/** Narrowest room worth giving the current task's key. */
const KEY_MIN = 8

/**
 * A part of the line. `forms` are ways to write it, longest first; `grow` marks the parts
 * that take the room left over (the bar, then the key), once they fit at their narrowest.
 */
interface Part {
  readonly forms: readonly string[]
  readonly style?: Style
  /** Lower is kept longer when the terminal is narrow. */
  readonly rank: number
  readonly grow?: 'bar' | 'key'
}

/**
 * The progress line, at most `width` columns wide. On a narrow terminal the parts that
 * matter least go first: the current task, the rate, the elapsed time, retries, the bar;
 * the count of finished tasks always stays.
 */
export function progressLine(frame: Frame, width: number, colors: boolean): string {
  const { counts, elapsedMs, rate, current } = frame
  const { total, done, failed, running, retrying } = counts
  const remaining = total - done - failed
  const parts: Part[] = [
    // Drawn once its width is known.
    { forms: [''], rank: 4, grow: 'bar' },
    { forms: [`${done + failed}/${total}`], rank: 0 },
    ...(failed > 0 ? [{ forms: [`${failed} failed`], style: 'red' as const, rank: 1 }] : []),
    ...(retrying > 0
      ? [{ forms: [`${retrying} retrying`], style: 'yellow' as const, rank: 5 }]
      : []),
    { forms: [`${running} running`], rank: 2 },
    ...(rate === undefined ? [] : [{ forms: rateForms(rate), rank: 7 }]),
    ...(rate === undefined || remaining <= 0
      ? []
      : [{ forms: [`eta ${duration((remaining / rate) * 1000, 'left')}`], rank: 3 }]),
    { forms: [duration(elapsedMs, 'tenths')], style: 'dim', rank: 6 },
    ...(current === undefined
      ? []
      : [{ forms: [printable(current)], style: 'dim' as const, rank: 8, grow: 'key' as const }]),
  ]
  // Two spaces between parts where all but the key fit that way, the bar roomy; one otherwise.
  let fitted = fit(parts, width, '  ')
  const roomy =
    parts.every((part) => part.grow === 'key' || fitted.shown.has(part)) &&
    fitted.left >= BAR_ROOMY - BAR_MIN
  if (!roomy) fitted = fit(parts, width, ' ')
  const { shown, left } = fitted
  const barShown = parts.some((part) => part.grow === 'bar' && shown.has(part))
  const barExtra = barShown ? Math.min(left, BAR_MAX - BAR_MIN) : 0
  const keyRoom = KEY_MIN + left - barExtra
  const texts = parts.flatMap((part) => {
    const text = shown.get(part)
    if (text === undefined) return []
    if (part.grow === 'bar') return [bar(counts, BAR_MIN + barExtra, colors)]
    if (part.grow === 'key') return [paint(cliTruncate(text, keyRoom), part.style, colors)]
    return [paint(text, part.style, colors)]
  })
  // A terminal narrower than the count gets what of it fits.
  if (shown.size === 0) return cliTruncate(`${done + failed}/${total}`, width)
  return texts.join(fitted.separator)
}

/** The parts that fit in `width`, most important first, each in the longest form that fits. */
function fit(
  parts: readonly Part[],
  width: number,
  separator: string,
): { shown: Map<Part, string>; left: number; separator: string } {
  const shown = new Map<Part, string>()
  let used = 0
  for (const part of [...parts].sort((a, b) => a.rank - b.rank)) {
    const gap = shown.size === 0 ? 0 : separator.length
    const form = part.forms.find((text) => used + gap + partWidth(part, text) <= width)
    if (form === undefined) continue
    shown.set(part, form)
    used += gap + partWidth(part, form)
  }
  return { shown, left: width - used, separator }
}

/** Columns a part takes at least: keys may hold wide characters, and get `KEY_MIN` or more. */
function partWidth(part: Part, text: string): number {
  if (part.grow === 'bar') return BAR_MIN + 2
  if (part.grow === 'key') return KEY_MIN
  return text.length
}

function bar(counts: ProgressCounts, inside: number, colors: boolean): string {
  const { total, done, failed } = counts
  const filled = total === 0 ? inside : Math.floor((inside * (done + failed)) / total)
  return `[${paint('#'.repeat(filled), 'green', colors)}${'-'.repeat(inside - filled)}]`
}

/**
 * The line left at the end of a run: how many tasks finished, failed and were not run,
 * how many came from the run's cache (`cached`, not counted among the others), and how
 * long it took.
 */
export function summaryLine(
  counts: ProgressCounts,
  elapsedMs: number,
  colors: boolean,
  cached = 0,
): string {
  const { total, done, failed } = counts
  const time = duration(elapsedMs, 'tenths')
  const fromCache = cached > 0 ? `, ${tasks(cached)} from the cache` : ''
  if (done === total) {
    const rate = done > 0 && elapsedMs > 0 ? ` (${rateForms((done * 1000) / elapsedMs)[0]})` : ''
    return `${paint(`${tasks(total)} done`, 'green', colors)}${fromCache} in ${time}${rate}`
  }
  const skipped = total - done - failed
  return [
    `${done} of ${tasks(total)} done`,
    ...(failed > 0 ? [paint(`${failed} failed`, 'red', colors)] : []),
    ...(skipped > 0 ? [`${skipped} skipped`] : []),
  ]
    .join(', ')
    .concat(`${fromCache} in ${time}`)
}

function tasks(n: number): string {
  return n === 1 ? '1 task' : `${n} tasks`
}

/** A rate, long form first: tasks per second, or seconds per task when slower than one a second. */
function rateForms(rate: number): string[] {
  if (rate >= 1) {
    const value = rate >= 100 ? rate.toFixed(0) : rate.toFixed(1)
    return [`${value} tasks/s`, `${value}/s`]
  }
  const value = (1 / rate).toFixed(1)
  return [`${value} s/task`, `${value}s/task`]
}

/**
 * `1.2s` (with `tenths`, under ten seconds), `12s`, `1m05s`, `1h02m`. Time `left` is in
 * whole seconds, at least one: no estimate says a run is over before it is.
 */
function duration(ms: number, precision: 'tenths' | 'left'): string {
  if (precision === 'tenths' && ms < 9_950) return `${(ms / 1000).toFixed(1)}s`
  const seconds = Math.max(precision === 'left' ? 1 : 0, Math.round(ms / 1000))
  if (seconds < 60) return `${seconds}s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`
}

/** A task key as one line of text: control characters (newlines, escapes) become spaces. */
function printable(key: string): string {
  return key.replace(/\p{Cc}/gu, ' ')
}
