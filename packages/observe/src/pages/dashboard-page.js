// The live dashboard's page: reads the server's event stream (/events) and draws what
// it says. Each message holds the counts whole and the task bars that ended since the
// last (see ../dashboard/dashboard-update.ts for its shape).

/**
 * @typedef {{ name: string, total: number, done: number, failed: number, running: number, cached: number, cancelled: number }} Group
 * @typedef {{ label: string, kind: string, host: string, pid: number, tasks: number, busy: number }} Slot
 * @typedef {{ pid: number, role: 'main' | 'child', rss: number, cpu: number }} Proc
 * @typedef {{ name: string, host: string, pid: number, threads: number, running: number, waiting?: number, rss?: number }} ClusterWorker
 * @typedef {{ key: string, name: string, message: string, at: number }} Failure
 * @typedef {[number, number, number, number, number]} Bar
 * @typedef {{ run: number, status: 'waiting' | 'running' | 'ended', executor: string, origin: number,
 *   now: number, total: number, done: number, failed: number, running: number, cached: number,
 *   cancelled: number, skipped: number,
 *   groups: Group[], slots: Slot[], threads?: number, processes: Proc[], sampledAt?: number,
 *   cluster?: ClusterWorker[],
 *   failures: Failure[], bars: Bar[] }} Update
 */

/** Seconds of the task stream shown. */
const WINDOW_S = 10
/** Bars kept for drawing: older ones have scrolled out of the window long since. */
const BARS_KEPT = 4000
/** The colour of each function, in the order the page meets them (see function-colors.ts). */
const PALETTE = /** @type {string[]} */ (
  JSON.parse(document.getElementById('palette')?.textContent ?? '[]')
)

/** Samples of memory kept per process, for its line: a minute of them, at 2 a second. */
const HISTORY_KEPT = 120

/** @type {Update | undefined} */
let state
/** RSS of each process at each sample seen, oldest first. @type {Map<number, number[]>} */
const history = new Map()
let lastSample = 0
/** @type {Bar[]} */
let bars = []
/** The server's clock minus this page's, from the last message. */
let skew = 0
let ended = false

/**
 * @param {string} id
 * @returns {HTMLElement}
 */
function byId(id) {
  const element = document.getElementById(id)
  if (element === null) throw new Error(`the page has no #${id}`)
  return element
}

/**
 * @param {string} tag
 * @param {string} [text]
 * @param {string} [className]
 */
function make(tag, text, className) {
  const element = document.createElement(tag)
  if (text !== undefined) element.textContent = text
  if (className !== undefined) element.className = className
  return element
}

/** @param {number} bytes */
function megabytes(bytes) {
  return `${(bytes / 1048576).toFixed(1)} MB`
}

/** @param {Update} update */
function receive(update) {
  if (state === undefined || update.run !== state.run) bars = []
  bars.push(...update.bars)
  if (bars.length > BARS_KEPT) bars = bars.slice(-BARS_KEPT)
  skew = update.now - Date.now()
  if (update.sampledAt !== undefined && update.sampledAt !== lastSample) {
    lastSample = update.sampledAt
    for (const p of update.processes) {
      const line = history.get(p.pid) ?? []
      line.push(p.rss)
      if (line.length > HISTORY_KEPT) line.shift()
      history.set(p.pid, line)
    }
  }
  state = update
  render()
}

function render() {
  if (state === undefined) return
  const s = state
  const status = byId('status')
  const label = ended
    ? 'run ended · dashboard closed'
    : s.status === 'ended'
      ? 'run ended'
      : s.status
  status.textContent = label
  status.className = `status ${ended ? 'ended' : s.status}`
  const elapsed = s.status === 'waiting' ? '' : ` · ${((s.now - s.origin) / 1000).toFixed(1)} s`
  byId('summary').textContent =
    `${s.executor || 'no run yet'}${elapsed} · ${s.done + s.failed} of ${s.total} tasks` +
    ` · ${s.done} done · ${s.failed} failed · ${s.running} running` +
    (s.cancelled > 0 ? ` · ${s.cancelled} cancelled` : '') +
    (s.skipped > 0 ? ` · ${s.skipped} skipped` : '') +
    (s.cached > 0 ? ` · ${s.cached} from the cache` : '')
  renderGroups(s)
  renderWorkers(s)
  renderCluster(s)
  renderProcesses(s)
  renderFailures(s)
}

/** @param {Update} s */
function renderGroups(s) {
  const holder = byId('groups')
  holder.replaceChildren()
  if (s.groups.length === 0) holder.append(make('p', 'no tasks yet', 'none'))
  for (const group of s.groups) {
    const row = make('div', undefined, 'group')
    row.dataset['group'] = group.name
    const bar = make('div', undefined, 'bar')
    const total = Math.max(group.total, 1)
    for (const [count, name] of /** @type {[number, string][]} */ ([
      [group.cached, 'cached'],
      [group.done, 'done'],
      [group.failed, 'failed'],
      [group.running, 'running-part'],
    ])) {
      const part = make('span', undefined, name)
      part.style.width = `${(100 * count) / total}%`
      bar.append(part)
    }
    const counts = make(
      'span',
      `${group.done + group.failed + group.cached} / ${group.total}` +
        (group.failed > 0 ? ` (${group.failed} failed)` : '') +
        (group.cached > 0 ? ` (${group.cached} cached)` : '') +
        (group.cancelled > 0 ? ` (${group.cancelled} cancelled)` : '') +
        (group.running > 0 ? ` · ${group.running} running` : ''),
      'counts',
    )
    row.append(make('span', group.name, 'name'), bar, counts)
    holder.append(row)
  }
}

/** @param {Update} s */
function renderWorkers(s) {
  const rss = new Map(s.processes.map((p) => [p.pid, p.rss]))
  const cluster = new Map((s.cluster ?? []).map((w) => [`${w.host} ${w.pid}`, w.rss]))
  const body = /** @type {HTMLTableElement} */ (byId('workers')).tBodies[0]
  if (body === undefined) return
  body.replaceChildren()
  for (const slot of s.slots) {
    const row = make('tr')
    const share = slot.busy
    const meter = make('span', undefined, 'meter')
    const fill = make('span')
    fill.style.width = `${Math.round(share * 100)}%`
    meter.append(fill)
    const busy = make('td')
    busy.append(meter, `${Math.round(share * 100)}%`)
    // Local processes are sampled here; a cluster worker's memory comes from its heartbeat.
    const memory = rss.get(slot.pid) ?? cluster.get(`${slot.host} ${slot.pid}`)
    row.append(
      make('td', slot.label),
      make('td', slot.kind),
      make('td', slot.host),
      make('td', String(slot.pid)),
      make('td', String(slot.tasks)),
      busy,
      make('td', memory === undefined ? '—' : megabytes(memory)),
    )
    body.append(row)
  }
  // Threads that run tasks: the pool's size, a cluster's threads, or else those seen.
  const seen = s.slots.filter((slot) => slot.kind !== 'main').length
  const clusterThreads = s.cluster?.reduce((sum, worker) => sum + worker.threads, 0)
  const pool = s.threads ?? clusterThreads ?? seen
  const busyNow = Math.min(s.running, pool || s.running)
  byId('busy').textContent =
    `${busyNow} busy · ${Math.max(0, pool - busyNow)} idle` +
    (pool === 0
      ? ' (tasks run on the main thread)'
      : ` of ${pool} worker ${s.executor === 'processes' ? 'processes' : 'threads'}`)
}

/** @param {Update} s */
function renderCluster(s) {
  const section = byId('cluster-section')
  section.hidden = s.cluster === undefined
  const body = /** @type {HTMLTableElement} */ (byId('cluster')).tBodies[0]
  if (s.cluster === undefined || body === undefined) return
  body.replaceChildren()
  for (const worker of s.cluster) {
    const row = make('tr')
    row.append(
      make('td', worker.name),
      make('td', worker.host),
      make('td', String(worker.pid)),
      make('td', String(worker.threads)),
      make('td', String(worker.running)),
      make('td', worker.waiting === undefined ? '—' : String(worker.waiting)),
      make('td', worker.rss === undefined ? '—' : megabytes(worker.rss)),
    )
    body.append(row)
  }
}

/** @param {Update} s */
function renderProcesses(s) {
  const body = /** @type {HTMLTableElement} */ (byId('processes')).tBodies[0]
  if (body === undefined) return
  body.replaceChildren()
  for (const p of s.processes) {
    const row = make('tr')
    row.append(
      make('td', p.role === 'main' ? 'main (with its worker threads)' : 'child process'),
      make('td', String(p.pid)),
      make('td', megabytes(p.rss)),
      sparkline(history.get(p.pid) ?? []),
      make('td', `${p.cpu.toFixed(0)}%`),
    )
    body.append(row)
  }
}

/**
 * A cell with a line of `values` from 0 to their highest, oldest on the left: the last
 * minute, or since the page opened.
 * @param {number[]} values
 */
function sparkline(values) {
  const cell = make('td')
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg')
  svg.setAttribute('class', 'spark')
  svg.setAttribute('viewBox', `0 0 ${HISTORY_KEPT - 1} 20`)
  svg.setAttribute('preserveAspectRatio', 'none')
  const top = Math.max(...values, 1)
  const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline')
  // Spread over the width until a minute of samples fills it.
  const step = (HISTORY_KEPT - 1) / Math.max(1, values.length - 1)
  line.setAttribute(
    'points',
    values.map((value, i) => `${i * step},${(20 - (value / top) * 19).toFixed(1)}`).join(' '),
  )
  line.setAttribute('vector-effect', 'non-scaling-stroke')
  svg.append(line)
  const title = document.createElementNS('http://www.w3.org/2000/svg', 'title')
  title.textContent = `highest ${megabytes(top)}`
  svg.append(title)
  cell.append(svg)
  return cell
}

/** @param {Update} s */
function renderFailures(s) {
  const list = byId('failures')
  byId('failure-count').textContent = s.failed > 0 ? `(${s.failed})` : ''
  list.replaceChildren()
  if (s.failures.length === 0) list.append(make('li', 'none', 'none'))
  for (const failure of [...s.failures].reverse()) {
    const item = make('li')
    item.append(
      make('code', failure.key),
      ` (${failure.name}) at ${new Date(failure.at).toLocaleTimeString()}`,
      make('div', failure.message, 'message'),
    )
    list.append(item)
  }
}

/** Draws the bars of the last `WINDOW_S` seconds, one row per worker thread. */
function drawStream() {
  const canvas = /** @type {HTMLCanvasElement} */ (byId('stream'))
  const context = canvas.getContext('2d')
  if (context === null) return
  const ratio = window.devicePixelRatio || 1
  const width = canvas.clientWidth
  const rows = Math.max(1, state?.slots.length ?? 1)
  const rowHeight = Math.max(6, Math.min(24, Math.floor(240 / rows)))
  const height = rows * rowHeight + 16
  if (canvas.width !== width * ratio || canvas.height !== height * ratio) {
    canvas.width = width * ratio
    canvas.height = height * ratio
    canvas.style.height = `${height}px`
  }
  context.setTransform(ratio, 0, 0, ratio, 0, 0)
  context.clearRect(0, 0, width, height)
  if (state === undefined) return
  // Ended runs stay still; running ones scroll with the server's clock.
  const now = (state.status === 'ended' || ended ? state.now : Date.now() + skew) - state.origin
  // The run so far while it is younger than the window, so that a short run fills it.
  const span = Math.min(WINDOW_S * 1000, Math.max(1000, Math.ceil(now / 1000) * 1000))
  const from = now - span
  const x = (/** @type {number} */ t) => ((t - from) / span) * width
  let drawn = 0
  for (const [slot, group, start, end, status] of bars) {
    if (end < from) continue
    drawn++
    context.fillStyle = status === 1 ? '#cf222e' : status === 2 ? '#8c959f' : color(group)
    const left = x(start)
    context.fillRect(left, slot * rowHeight + 1, Math.max(1, x(end) - left - 0.5), rowHeight - 2)
  }
  // How many bars are in view, for whoever checks the page (its tests).
  canvas.dataset['drawn'] = String(drawn)
  context.fillStyle = '#57606a'
  context.font = '10px system-ui, sans-serif'
  const seconds = span / 1000
  const step = seconds > 5 ? 2 : 1
  for (let s = 0; s <= seconds; s += step) {
    const label = s === seconds ? 'now' : `-${seconds - s} s`
    context.fillText(label, Math.min(width - 26, (s / seconds) * width + 2), height - 3)
  }
}

/** @param {number} group */
function color(group) {
  return PALETTE[group % PALETTE.length] ?? '#4e79a7'
}

function renderLegend() {
  if (state === undefined) return
  const legend = byId('legend')
  const names = state.groups.map((g) => g.name).join('\u0000')
  if (legend.dataset['names'] === names) return
  legend.dataset['names'] = names
  legend.replaceChildren()
  state.groups.forEach((group, index) => {
    const item = make('span')
    const swatch = make('i')
    swatch.style.background = color(index)
    item.append(swatch, group.name)
    legend.append(item)
  })
  const failed = make('span')
  const swatch = make('i')
  swatch.style.background = '#cf222e'
  failed.append(swatch, 'failed')
  legend.append(failed)
}

function frame() {
  drawStream()
  renderLegend()
  requestAnimationFrame(frame)
}

const events = new EventSource('events')
events.addEventListener('message', (message) =>
  receive(/** @type {Update} */ (JSON.parse(String(message.data)))),
)
events.addEventListener('end', () => {
  ended = true
  events.close()
  render()
})
events.onerror = () => {
  if (ended) return
  const status = byId('status')
  // The server is gone: the run ended with its program, or the program was stopped.
  if (events.readyState === EventSource.CLOSED || state?.status === 'ended') {
    ended = state?.status === 'ended'
    status.textContent = ended ? 'run ended · dashboard closed' : 'disconnected'
    status.className = `status ${ended ? 'ended' : 'disconnected'}`
    events.close()
  } else {
    status.textContent = 'disconnected · reconnecting…'
    status.className = 'status disconnected'
  }
}
requestAnimationFrame(frame)
