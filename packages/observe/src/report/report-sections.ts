import type { CriticalPath } from './critical-path.js'
import type { FunctionStats } from './function-stats.js'
import type { GraphDrawings } from './graph-drawings.js'
import { escapeHtml, formatMicroseconds as us, percent } from './html-text.js'
import { REPORT_STATUSES, type ReportData } from './report-data.js'
import type { TimeAccounting } from './time-accounting.js'

// The parts of the report that are plain HTML, made once when it is written. Each
// number a test or a reader may want to check is also on its element as a `data-*`
// attribute, in whole microseconds.

/** Rows listed at most in a table that can be as long as the run (failures, the path). */
const MAX_ROWS = 500

const NEEDS_GRAPH =
  'This needs the run’s graph: pass <code>graph: toGraph(...targets)</code> to <code>toReportHtml</code> or <code>writeReport</code> (<code>taskgraph run --report</code> does).'

export function timeSection(time: TimeAccounting, path: CriticalPath | undefined): string {
  const { wallUs, busyUs, slots, idleUs } = time
  const capacity = slots * wallUs
  const pathRow =
    path === undefined
      ? ''
      : `<tr><th>Critical path</th><td class="num" data-testid="path-length" data-us="${path.lengthUs}">${us(path.lengthUs)}</td><td class="note">${percent(path.lengthUs, wallUs)} of run time</td></tr>`
  return `<section id="time" data-testid="time" data-wall-us="${wallUs}" data-busy-us="${busyUs}" data-idle-us="${idleUs}" data-slots="${slots}">
<h2>Where the time went</h2>
<div class="share" title="busy ${percent(busyUs, capacity)} of ${slots} slots × run time"><div style="width:${capacity === 0 ? 0 : (100 * busyUs) / capacity}%"></div></div>
<table>
<tr><th>Run time</th><td class="num">${us(wallUs)}</td><td class="note">first task queued to last task ended</td></tr>
<tr><th>Task time</th><td class="num">${us(busyUs)}</td><td class="note">sum of every attempt’s length; ${percent(busyUs, capacity)} of ${slots} slot${slots === 1 ? '' : 's'} × run time</td></tr>
<tr><th>Idle</th><td class="num">${us(idleUs)}</td><td class="note">slots × run time − task time</td></tr>
${pathRow}
</table>
</section>`
}

export function streamSection(data: ReportData, colors: readonly string[]): string {
  const legend = data.functions
    .map(
      (name, i) =>
        `<li><span class="swatch" style="background:${colors[i]}"></span>${escapeHtml(name)}</li>`,
    )
    .join('')
  return `<section id="stream">
<h2>Task stream</h2>
<p class="hint">A row per worker slot (the trace’s tracks), a bar per attempt; failed attempts are marked red, cancelled ones faded. Wheel to zoom, drag to pan, double-click to see it all.</p>
<ul class="legend" data-testid="legend">${legend}</ul>
<div class="stream"><canvas role="img" aria-label="task stream: a row per worker slot, a bar per attempt" data-testid="stream" data-tasks="${data.keys.length}" data-rows="${data.tracks.length}"></canvas><div class="tooltip" data-testid="tooltip" hidden></div></div>
</section>`
}

export function functionSection(stats: readonly FunctionStats[]): string {
  // A column for results read from the cache, in a run that had some.
  const withCache = stats.some((s) => s.cached > 0)
  const rows = stats
    .map(
      (s) =>
        `<tr data-function="${escapeHtml(s.name)}" data-count="${s.count}" data-total-us="${s.totalUs}" data-mean-us="${s.meanUs}" data-max-us="${s.maxUs}" data-failures="${s.failures}" data-cached="${s.cached}">` +
        `<th>${escapeHtml(s.name)}</th><td class="num">${s.count.toLocaleString('en-US')}</td><td class="num">${us(s.totalUs)}</td><td class="num">${us(s.meanUs)}</td><td class="num">${us(s.maxUs)}</td><td class="num${s.failures > 0 ? ' bad' : ''}">${s.failures}</td>` +
        (withCache ? `<td class="num">${s.cached.toLocaleString('en-US')}</td>` : '') +
        '</tr>',
    )
    .join('\n')
  return `<section id="functions">
<h2>Functions</h2>
<table data-testid="function-stats">
<thead><tr><th>Function</th><th>Attempts</th><th>Total</th><th>Mean</th><th>Max</th><th>Failures</th>${withCache ? '<th>From cache</th>' : ''}</tr></thead>
<tbody>
${rows}
</tbody>
</table>
</section>`
}

export function pathSection(path: CriticalPath | undefined, data: ReportData): string {
  if (path === undefined) {
    return `<section id="critical-path"><h2>Critical path</h2><p data-testid="path-needs-graph">${NEEDS_GRAPH}</p></section>`
  }
  const functionOf = new Map(data.keys.map((key, row) => [key, data.functions[data.fn[row]!]!]))
  const rows = path.keys
    .slice(0, MAX_ROWS)
    .map(
      (key, i) =>
        `<tr data-key="${escapeHtml(key)}" data-us="${path.durationsUs[i]}"><td>${escapeHtml(key)}</td><td>${escapeHtml(functionOf.get(key) ?? '')}</td><td class="num">${us(path.durationsUs[i]!)}</td></tr>`,
    )
    .join('\n')
  return `<section id="critical-path">
<h2>Critical path</h2>
<p>The longest chain of tasks that had to run one after another, each counted for its last attempt: ${path.keys.length} task${path.keys.length === 1 ? '' : 's'}, ${us(path.lengthUs)}. No number of workers could have run the graph in less.</p>
<table data-testid="critical-path" data-tasks="${path.keys.length}" data-us="${path.lengthUs}">
<thead><tr><th>Task</th><th>Function</th><th>Length</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>${more(path.keys.length)}
</section>`
}

export function failureSection(data: ReportData): string {
  const failed = REPORT_STATUSES.indexOf('failed')
  const failures = data.errors.filter(({ row }) => data.status[row] === failed)
  if (failures.length === 0) {
    return `<section id="failures"><h2>Failures</h2><p data-testid="failures" data-count="0">No attempt failed.</p></section>`
  }
  const rows = failures
    .slice(0, MAX_ROWS)
    .map(({ row, message }) => {
      const key = escapeHtml(data.keys[row]!)
      return `<tr data-key="${key}"><td>${key}</td><td>${escapeHtml(data.functions[data.fn[row]!]!)}</td><td class="num">${data.attempt[row]}</td><td>${escapeHtml(data.tracks[data.track[row]!]!)}</td><td class="error">${escapeHtml(message)}</td></tr>`
    })
    .join('\n')
  return `<section id="failures">
<h2>Failures</h2>
<table data-testid="failures" data-count="${failures.length}">
<thead><tr><th>Task</th><th>Function</th><th>Attempt</th><th>Worker</th><th>Error</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>${more(failures.length)}
</section>`
}

export function graphSection(drawings: GraphDrawings | undefined): string {
  if (drawings === undefined) {
    return `<section id="graph"><h2>Graph</h2><p data-testid="graph-needs-graph">${NEEDS_GRAPH}</p></section>`
  }
  if ('notDrawn' in drawings) {
    return `<section id="graph"><h2>Graph</h2><p data-testid="graph-not-drawn">${escapeHtml(drawings.notDrawn)}</p></section>`
  }
  // Two drawings and a CSS-only toggle: no script has to redraw anything.
  return `<section id="graph">
<h2>Graph</h2>
<input type="radio" name="graph-color" id="graph-duration" checked><label for="graph-duration">by duration</label>
<input type="radio" name="graph-color" id="graph-status"><label for="graph-status">by status</label>
<div class="drawing by-duration" data-testid="graph-duration">${drawings.duration}</div>
<div class="drawing by-status" data-testid="graph-status">${drawings.status}</div>
</section>`
}

function more(count: number): string {
  return count > MAX_ROWS
    ? `<p class="hint">The first ${MAX_ROWS} of ${count.toLocaleString('en-US')}; the stream has every one.</p>`
    : ''
}
