import { BLUES, YL_OR_RD, fontColorOn, interpolate } from './color-scale.js'
import type { DotColor, TaskRunState } from './dot-options.js'
import { attributes, quote } from './dot-text.js'

/** What toDot fills one coloured node with, and what hovering over it shows (in SVG). */
export interface Paint {
  readonly fill: string
  readonly tooltip: string
}

/**
 * What one coloured node stands for: a task, or a group of tasks drawn as one node.
 * `ranks` are the tasks' places in the order the scheduler runs them (0 first).
 */
export interface Unit {
  readonly keys: readonly string[]
  readonly ranks: readonly number[]
}

/** The paint of each unit, in order, and the DOT lines of a legend saying what they mean. */
export interface Coloring {
  readonly paints: readonly Paint[]
  readonly legend: readonly string[]
}

type Status = TaskRunState['status'] | 'not run'

/**
 * Worst first: a group takes the colour of the worst status among its tasks (a result
 * read from the cache is as good as one made, and says less about this run).
 */
const STATUS_ORDER: readonly Status[] = ['failed', 'cancelled', 'not run', 'done', 'cached']
const STATUS_FILL: Record<Status, string> = {
  done: '#74c476',
  failed: '#de2d26',
  cancelled: '#bdbdbd',
  'not run': '#e5e5e5',
  cached: '#9ecae1',
}
/** The shortest duration a log scale places: a microsecond, the resolution of a trace. */
const SHORTEST_MS = 0.001

/**
 * Colours `units` for `color`. Order and duration colours run along a sequential scale
 * over the units' values (a group's value is its tasks' mean), so the lightest and the
 * darkest colours are always used.
 */
export function paintUnits(
  color: Exclude<DotColor, 'none'>,
  units: readonly Unit[],
  states: ReadonlyMap<string, TaskRunState>,
  taskCount: number,
): Coloring {
  const grouped = units.some((unit) => unit.keys.length > 1)
  switch (color) {
    case 'order':
      return paintOrder(units, taskCount, grouped)
    case 'status':
      return paintStatus(units, states, grouped)
    case 'duration':
      return paintDuration(units, states, grouped)
  }
}

function paintOrder(units: readonly Unit[], taskCount: number, grouped: boolean): Coloring {
  const scale = linearScale(units.map((unit) => mean(unit.ranks)))
  const paints = units.map(({ ranks }) => {
    const [low, high] = extent(ranks)
    const [first, last] = [low + 1, high + 1]
    const runs = first === last ? `${first}` : `${first} to ${last}`
    return {
      fill: interpolate(BLUES, scale(mean(ranks))),
      tooltip: `runs ${runs} of ${taskCount}`,
    }
  })
  const label = grouped ? 'run order (mean of each group)' : 'run order'
  return {
    paints,
    legend: legend(label, [
      ['first', interpolate(BLUES, 0)],
      ['last', interpolate(BLUES, 1)],
    ]),
  }
}

function paintStatus(
  units: readonly Unit[],
  states: ReadonlyMap<string, TaskRunState>,
  grouped: boolean,
): Coloring {
  const paints = units.map(({ keys }) => {
    const counts = new Map<Status, number>()
    for (const key of keys) {
      const status = states.get(key)?.status ?? 'not run'
      counts.set(status, (counts.get(status) ?? 0) + 1)
    }
    const worst = STATUS_ORDER.find((status) => counts.has(status))!
    const tooltip =
      keys.length === 1
        ? describeState(states.get(keys[0]!))
        : STATUS_ORDER.filter((status) => counts.has(status))
            .map((status) => `${counts.get(status)} ${status}`)
            .join(', ')
    return { fill: STATUS_FILL[worst], tooltip }
  })
  const label = grouped ? 'status (worst of each group)' : 'status'
  const shown: Status[] = ['done', 'failed', 'cancelled', 'not run']
  // Only a run with a cache has tasks from it.
  if (units.some(({ keys }) => keys.some((key) => states.get(key)?.status === 'cached'))) {
    shown.push('cached')
  }
  return {
    paints,
    legend: legend(
      label,
      shown.map((status) => [status, STATUS_FILL[status]]),
    ),
  }
}

function paintDuration(
  units: readonly Unit[],
  states: ReadonlyMap<string, TaskRunState>,
  grouped: boolean,
): Coloring {
  const durations = units.map(({ keys }) => {
    // A result read from the cache took no time to make in this run: it has no duration.
    const ran = keys.flatMap((key) => {
      const state = states.get(key)
      return state === undefined || state.status === 'cached' ? [] : [state.durationMs]
    })
    return ran.length === 0 ? undefined : mean(ran)
  })
  const measured = durations.filter((ms) => ms !== undefined)
  const scale = logScale(measured)
  const paints = units.map(({ keys }, i) => {
    const ms = durations[i]
    if (ms === undefined) {
      const cached = keys.every((key) => states.get(key)?.status === 'cached')
      return cached
        ? { fill: STATUS_FILL.cached, tooltip: 'from the cache' }
        : { fill: STATUS_FILL['not run'], tooltip: 'not run' }
    }
    const tooltip =
      keys.length === 1
        ? describeState(states.get(keys[0]!))
        : `mean ${formatMs(ms)} over ${countRun(keys, states)} of ${keys.length} tasks`
    return { fill: interpolate(YL_OR_RD, scale(ms)), tooltip }
  })
  const entries: [string, string][] = []
  if (measured.length > 0) {
    // Each entry painted as the tasks are: one duration alone (or durations the scale
    // tells apart no more, all under its microsecond) sits in the middle of the scale.
    const [shortest, longest] = extent(measured)
    if (Math.max(longest, SHORTEST_MS) > Math.max(shortest, SHORTEST_MS)) {
      const middle = Math.sqrt(Math.max(shortest, SHORTEST_MS) * longest)
      entries.push([formatMs(shortest), interpolate(YL_OR_RD, scale(shortest))])
      entries.push([formatMs(middle), interpolate(YL_OR_RD, scale(middle))])
      entries.push([formatMs(longest), interpolate(YL_OR_RD, scale(longest))])
    } else {
      const span =
        longest > shortest ? `${formatMs(shortest)} to ${formatMs(longest)}` : formatMs(shortest)
      entries.push([span, interpolate(YL_OR_RD, scale(shortest))])
    }
  }
  const fills = new Set(paints.map((paint) => paint.fill))
  if (fills.has(STATUS_FILL.cached)) entries.push(['from the cache', STATUS_FILL.cached])
  if (fills.has(STATUS_FILL['not run'])) entries.push(['not run', STATUS_FILL['not run']])
  const label = grouped ? 'mean duration of each group (log scale)' : 'duration (log scale)'
  return { paints, legend: legend(label, entries) }
}

function countRun(keys: readonly string[], states: ReadonlyMap<string, TaskRunState>): number {
  return keys.reduce((n, key) => {
    const status = states.get(key)?.status
    return status === undefined || status === 'cached' ? n : n + 1
  }, 0)
}

function describeState(state: TaskRunState | undefined): string {
  if (state === undefined) return 'not run'
  if (state.status === 'cached') return 'from the cache'
  const when = state.status === 'done' ? 'in' : 'after'
  return `${state.status} ${when} ${formatMs(state.durationMs)}`
}

/** Maps values onto 0..1 between their least and greatest; one value alone sits in the middle. */
function linearScale(values: readonly number[]): (value: number) => number {
  const [low, high] = extent(values)
  return (value) => (high > low ? (value - low) / (high - low) : 0.5)
}

/** As `linearScale` on the logarithms: durations of one run span orders of magnitude. */
function logScale(values: readonly number[]): (value: number) => number {
  const log = (ms: number): number => Math.log10(Math.max(ms, SHORTEST_MS))
  const linear = linearScale(values.map(log))
  return (value) => linear(log(value))
}

/** The least and greatest of `values` (a loop: a spread overflows the stack on huge groups). */
function extent(values: readonly number[]): [number, number] {
  let [low, high] = [Infinity, -Infinity]
  for (const value of values) {
    if (value < low) low = value
    if (value > high) high = value
  }
  return [low, high]
}

function mean(values: readonly number[]): number {
  let sum = 0
  for (const value of values) sum += value
  return sum / values.length
}

/** Three significant digits, in ms below a second and in s above. */
export function formatMs(ms: number): string {
  return ms < 1000 ? `${Number(ms.toPrecision(3))} ms` : `${Number((ms / 1000).toPrecision(3))} s`
}

/** A `cluster_legend` subgraph: one filled box per entry, labelled. */
function legend(label: string, entries: readonly (readonly [string, string])[]): string[] {
  const lines = [
    '  subgraph cluster_legend {',
    `    graph [label=${quote(label)}, fontname="Helvetica", style=rounded];`,
  ]
  entries.forEach(([text, fill], i) => {
    lines.push(
      `    ${quote(`legend:${i}`)} ${attributes([['label', quote(text)], ['shape', 'box'], ...fillAttributes(fill)])};`,
    )
  })
  lines.push('  }')
  return lines
}

/** `style=filled` with the fill, and a white font where black would not read. */
export function fillAttributes(fill: string): [string, string][] {
  const pairs: [string, string][] = [
    ['style', 'filled'],
    ['fillcolor', quote(fill)],
  ]
  if (fontColorOn(fill) === '#ffffff') pairs.push(['fontcolor', quote('#ffffff')])
  return pairs
}
