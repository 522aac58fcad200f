// A checker of the Trace Event Format (JSON Object Format), for the phases taskgraph
// writes: complete (X), instant (i), counter (C) and metadata (M) events. It reads times as Perfetto
// does, truncating microseconds * 1000 to whole nanoseconds, so that nesting is checked
// on the values a viewer works with.

/** The reserved colour names of chrome://tracing (catapult's base/color_scheme.html). */
const RESERVED_COLORS = new Set([
  'thread_state_uninterruptible',
  'thread_state_iowait',
  'thread_state_running',
  'thread_state_runnable',
  'thread_state_sleeping',
  'thread_state_unknown',
  'background_memory_dump',
  'light_memory_dump',
  'detailed_memory_dump',
  'vsync_highlight_color',
  'generic_work',
  'good',
  'bad',
  'terrible',
  'black',
  'grey',
  'white',
  'yellow',
  'olive',
  'rail_response',
  'rail_animation',
  'rail_idle',
  'rail_load',
  'startup',
  'heap_dump_stack_frame',
  'heap_dump_object_type',
  'heap_dump_child_node_arrow',
  'cq_build_running',
  'cq_build_passed',
  'cq_build_failed',
  'cq_build_abandoned',
  'cq_build_attempt_runnig',
  'cq_build_attempt_passed',
  'cq_build_attempt_failed',
])

const METADATA_NAMES = new Set([
  'process_name',
  'process_labels',
  'process_sort_index',
  'thread_name',
  'thread_sort_index',
])

/** Problems reported at most, so that a broken trace of 100,000 events stays readable. */
const MAX_PROBLEMS = 20

/** An event as parsed, before it is known to be well formed. */
type RawEvent = Record<string, unknown>

/** A timed event of one track, in nanoseconds as a viewer reads it. */
interface Slice {
  readonly index: number
  readonly start: number
  readonly end: number
}

export interface Validation {
  /** What breaks the format; empty for a valid trace. */
  readonly problems: string[]
  /** The parsed events (meaningful only when there are no problems). */
  readonly events: RawEvent[]
}

/** Parses `json` and checks it against the Trace Event Format. */
export function validateTrace(json: string): Validation {
  const problems: string[] = []
  const report = (problem: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push(problem)
  }
  let trace: unknown
  try {
    trace = JSON.parse(json)
  } catch (error) {
    return { problems: [`not JSON: ${String(error)}`], events: [] }
  }
  if (!isObject(trace) || !Array.isArray(trace.traceEvents)) {
    return { problems: ['not a JSON Object Format trace: no traceEvents array'], events: [] }
  }
  if (
    trace.displayTimeUnit !== undefined &&
    !['ms', 'ns'].includes(trace.displayTimeUnit as string)
  ) {
    report(`displayTimeUnit ${show(trace.displayTimeUnit)} is neither ms nor ns`)
  }
  const events = trace.traceEvents as unknown[]
  const processNames = new Map<number, string>()
  const threadNames = new Map<string, string>()
  const tracks = new Map<string, Slice[]>()
  const counterProcesses = new Set<number>()
  events.forEach((event, index) => {
    const at = `event ${index}`
    if (!isObject(event)) return report(`${at} is not an object`)
    const { ph, name, pid, tid, ts, args } = event
    if (typeof name !== 'string') report(`${at}: name is not a string`)
    if (!Number.isInteger(pid)) return report(`${at}: pid ${show(pid)} is not an integer`)
    if (!Number.isInteger(tid)) return report(`${at}: tid ${show(tid)} is not an integer`)
    if (args !== undefined && !isObject(args)) report(`${at}: args is not an object`)
    if (event.cname !== undefined && !RESERVED_COLORS.has(event.cname as string)) {
      report(`${at}: cname ${show(event.cname)} is not a reserved colour name`)
    }
    if (ph === 'M') return checkMetadata(event, at)
    if (ph === 'C') return checkCounter(event, at)
    if (ph !== 'X' && ph !== 'i') return report(`${at}: unknown phase ${show(ph)}`)
    if (typeof ts !== 'number' || !Number.isFinite(ts) || ts < 0) {
      return report(`${at}: ts ${show(ts)} is not a finite number >= 0`)
    }
    if (event.cat !== undefined && typeof event.cat !== 'string')
      report(`${at}: cat is not a string`)
    let dur = 0
    if (ph === 'X') {
      if (typeof event.dur !== 'number' || !Number.isFinite(event.dur) || event.dur < 0) {
        return report(`${at}: dur ${show(event.dur)} is not a finite number >= 0`)
      }
      dur = event.dur
    } else if (!['g', 'p', 't'].includes(event.s as string)) {
      return report(`${at}: instant event scope s ${show(event.s)} is not g, p or t`)
    }
    const start = nanoseconds(ts)
    const slice = { index, start, end: start + nanoseconds(dur) }
    const track = `${show(pid)}/${show(tid)}`
    const slices = tracks.get(track)
    if (slices === undefined) tracks.set(track, [slice])
    else slices.push(slice)
  })

  /** A counter: a time, and a finite number per series; its process must be named. */
  function checkCounter(event: RawEvent, at: string): void {
    const { ts, args, pid } = event
    if (typeof ts !== 'number' || !Number.isFinite(ts) || ts < 0) {
      return report(`${at}: ts ${show(ts)} is not a finite number >= 0`)
    }
    if (!isObject(args) || Object.keys(args).length === 0) {
      return report(`${at}: counter without series in args`)
    }
    for (const [series, value] of Object.entries(args)) {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        report(`${at}: counter series ${series} is ${show(value)}, not a finite number`)
      }
    }
    counterProcesses.add(pid as number)
  }

  function checkMetadata(event: RawEvent, at: string): void {
    const { pid, tid, args } = event
    const name = event.name
    if (typeof name !== 'string' || !METADATA_NAMES.has(name)) {
      return report(`${at}: unknown metadata ${show(name)}`)
    }
    if (!isObject(args)) return report(`${at}: metadata without args`)
    if (name === 'process_name' || name === 'thread_name') {
      if (typeof args.name !== 'string') return report(`${at}: ${name} without a name`)
      const names = name === 'process_name' ? processNames : threadNames
      const id = name === 'process_name' ? (pid as number) : `${show(pid)}/${show(tid)}`
      const earlier = (names as Map<unknown, string>).get(id)
      if (earlier !== undefined && earlier !== args.name) {
        report(`${at}: ${name} ${args.name} renames ${earlier}`)
      }
      ;(names as Map<unknown, string>).set(id, args.name)
    } else if (name.endsWith('sort_index') && !Number.isInteger(args.sort_index)) {
      report(`${at}: ${name} without an integer sort_index`)
    }
  }

  for (const pid of counterProcesses) {
    if (!processNames.has(pid)) report(`process ${pid} of counters has no process_name`)
  }
  for (const [track, slices] of tracks) {
    const pid = Number(track.split('/')[0])
    if (!processNames.has(pid)) report(`process ${pid} has no process_name`)
    if (!threadNames.has(track)) report(`track ${track} has no thread_name`)
    checkNesting(track, slices, report)
  }
  return { problems, events: events.filter(isObject) }
}

/**
 * Events of one track must nest: each one either ends before (or as) the next begins, or
 * encloses it. Slices are taken by start, the longer first at one start, as viewers do.
 */
function checkNesting(track: string, slices: Slice[], report: (problem: string) => void): void {
  slices.sort((a, b) => a.start - b.start || b.end - a.end)
  const open: Slice[] = []
  for (const slice of slices) {
    while (open.length > 0 && open.at(-1)!.end <= slice.start) open.pop()
    const parent = open.at(-1)
    if (parent !== undefined && slice.end > parent.end) {
      report(
        `track ${track}: event ${slice.index} [${slice.start}, ${slice.end}] ns overlaps ` +
          `event ${parent.index} [${parent.start}, ${parent.end}] ns without nesting in it`,
      )
    }
    open.push(slice)
  }
}

/** A time in microseconds as Perfetto reads it: truncated to whole nanoseconds. */
function nanoseconds(us: number): number {
  return Math.trunc(us * 1000)
}

function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value)
}

function isObject(value: unknown): value is RawEvent {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
