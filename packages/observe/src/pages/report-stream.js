// The report's task stream: a row per worker slot and a bar per attempt, drawn on one
// canvas (a report of 100,000 attempts must open in seconds, which 100,000 elements do
// not), with zoom on the wheel, pan by dragging and a tooltip on hover. Its data is the
// page's `#report-data` (see src/report/report-data.ts).

/**
 * @typedef {object} StreamData
 * @property {string[]} functions
 * @property {string[]} colors
 * @property {string[]} tracks
 * @property {string[]} keys
 * @property {number[]} fn
 * @property {number[]} track
 * @property {number[]} start
 * @property {number[]} duration
 * @property {number[]} status
 * @property {number[]} attempt
 */

const STATUS_NAMES = ['done', 'failed', 'cancelled', 'cached']
const FAILED = 1
const CANCELLED = 2
const AXIS = 22

/** @param {string} id */
function element(id) {
  const found = document.getElementById(id)
  if (found === null) throw new Error(`the report has no #${id}`)
  return found
}

/** @param {number} us */
function formatTime(us) {
  if (us >= 1e6) return `${(us / 1e6).toFixed(us >= 1e7 ? 1 : 2)} s`
  if (us >= 1e3) return `${(us / 1e3).toFixed(us >= 1e4 ? 1 : 2)} ms`
  return `${Math.round(us)} µs`
}

/** A round step for axis ticks about `approx` microseconds apart. @param {number} approx */
function niceStep(approx) {
  const power = 10 ** Math.floor(Math.log10(Math.max(approx, 1)))
  const scaled = approx / power
  return (scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 5 ? 5 : 10) * power
}

function startStream() {
  const data = /** @type {StreamData} */ (JSON.parse(element('report-data').textContent ?? '{}'))
  const canvas = /** @type {HTMLCanvasElement} */ (document.querySelector('[data-testid="stream"]'))
  const tooltip = /** @type {HTMLElement} */ (document.querySelector('[data-testid="tooltip"]'))
  const context = canvas.getContext('2d')
  if (context === null) throw new Error('the report needs a 2D canvas')
  const count = data.keys.length
  const rows = data.tracks.length
  const rowHeight = rows > 60 ? Math.max(3, Math.floor(900 / rows)) : 18
  const height = AXIS + Math.max(1, rows) * rowHeight

  let end = 1
  for (let i = 0; i < count; i++)
    end = Math.max(end, (data.start[i] ?? 0) + (data.duration[i] ?? 0))

  // Attempts by function, to set each colour once per draw; and by row in start order,
  // to find the bar under the pointer by bisection (bars of a row never overlap).
  /** @type {number[][]} */
  const byFunction = data.functions.map(() => [])
  /** @type {number[][]} */
  const byRow = data.tracks.map(() => [])
  for (let i = 0; i < count; i++) {
    byFunction[data.fn[i] ?? 0]?.push(i)
    byRow[data.track[i] ?? 0]?.push(i)
  }
  for (const row of byRow) row.sort((a, b) => (data.start[a] ?? 0) - (data.start[b] ?? 0))

  let from = 0
  let to = end
  let width = 0
  let scheduled = false

  function resize() {
    width = canvas.clientWidth
    const ratio = window.devicePixelRatio || 1
    canvas.width = Math.round(width * ratio)
    canvas.height = Math.round(height * ratio)
    canvas.style.height = `${height}px`
    context?.setTransform(ratio, 0, 0, ratio, 0, 0)
    draw()
  }

  /** @param {number} us */
  const xOf = (us) => ((us - from) / (to - from)) * width

  function draw() {
    scheduled = false
    if (context === null) return
    context.clearRect(0, 0, width, height)
    for (let row = 0; row < rows; row++) {
      context.fillStyle = row % 2 === 0 ? '#fafafa' : '#f0f0f0'
      context.fillRect(0, AXIS + row * rowHeight, width, rowHeight)
    }
    drawAxis(context)
    const barHeight = Math.max(2, rowHeight - 2)
    let drawn = 0
    byFunction.forEach((attempts, fn) => {
      context.fillStyle = data.colors[fn] ?? '#888'
      for (const i of attempts) {
        const start = data.start[i] ?? 0
        const stop = start + (data.duration[i] ?? 0)
        if (stop < from || start > to) continue
        const x = xOf(start)
        // A bar is a pixel wide at least: every attempt in view shows.
        context.fillRect(
          x,
          AXIS + (data.track[i] ?? 0) * rowHeight + 1,
          Math.max(1, xOf(stop) - x),
          barHeight,
        )
        drawn++
      }
    })
    for (let i = 0; i < count; i++) {
      const status = data.status[i]
      if (status !== FAILED && status !== CANCELLED) continue
      const start = data.start[i] ?? 0
      const stop = start + (data.duration[i] ?? 0)
      if (stop < from || start > to) continue
      const x = xOf(start)
      const y = AXIS + (data.track[i] ?? 0) * rowHeight + 1
      const w = Math.max(1, xOf(stop) - x)
      context.fillStyle = status === FAILED ? '#d00020' : 'rgba(255,255,255,0.6)'
      if (status === FAILED) context.fillRect(x, y, w, Math.max(1, Math.floor(barHeight / 3)))
      else context.fillRect(x, y, w, barHeight)
    }
    if (rowHeight >= 14) drawRowNames(context)
    canvas.dataset['bars'] = String(drawn)
    canvas.dataset['from'] = String(Math.round(from))
    canvas.dataset['to'] = String(Math.round(to))
    if (canvas.dataset['drawnAtMs'] === undefined) {
      canvas.dataset['drawnAtMs'] = String(Math.round(performance.now()))
    }
  }

  /** @param {CanvasRenderingContext2D} context */
  function drawAxis(context) {
    context.fillStyle = '#fff'
    context.fillRect(0, 0, width, AXIS)
    context.fillStyle = '#555'
    context.font = '11px system-ui, sans-serif'
    context.textBaseline = 'middle'
    const step = niceStep(((to - from) * 90) / Math.max(width, 1))
    for (let tick = Math.ceil(from / step) * step; tick <= to; tick += step) {
      const x = Math.round(xOf(tick)) + 0.5
      context.fillRect(x, AXIS - 5, 1, 5)
      context.fillText(formatTime(tick), x + 3, AXIS / 2)
    }
  }

  /** Each row's worker, over its left end. @param {CanvasRenderingContext2D} context */
  function drawRowNames(context) {
    context.font = '11px system-ui, sans-serif'
    context.textBaseline = 'middle'
    data.tracks.forEach((name, row) => {
      const y = AXIS + row * rowHeight
      context.fillStyle = 'rgba(255,255,255,0.75)'
      context.fillRect(0, y + 2, context.measureText(name).width + 8, rowHeight - 4)
      context.fillStyle = '#333'
      context.fillText(name, 4, y + rowHeight / 2)
    })
  }

  function redraw() {
    if (scheduled) return
    scheduled = true
    requestAnimationFrame(draw)
  }

  /** The attempt under a point of the canvas, or -1. @param {number} x @param {number} y */
  function attemptAt(x, y) {
    const row = byRow[Math.floor((y - AXIS) / rowHeight)]
    if (y < AXIS || row === undefined) return -1
    const time = from + (x / width) * (to - from)
    // Bars are a pixel wide at least: accept a pixel's worth of slack.
    const slack = (to - from) / Math.max(width, 1)
    let low = 0
    let high = row.length - 1
    let found = -1
    while (low <= high) {
      const middle = (low + high) >> 1
      const i = row[middle] ?? 0
      if ((data.start[i] ?? 0) <= time + slack) {
        found = i
        low = middle + 1
      } else high = middle - 1
    }
    if (found === -1) return -1
    const stop = (data.start[found] ?? 0) + (data.duration[found] ?? 0)
    return stop + slack >= time ? found : -1
  }

  /** @param {number} i */
  function describe(i) {
    const attempt = data.attempt[i] ?? 1
    return [
      data.keys[i],
      `function: ${data.functions[data.fn[i] ?? 0]}`,
      `worker: ${data.tracks[data.track[i] ?? 0]}`,
      `duration: ${formatTime(data.duration[i] ?? 0)} (${((data.duration[i] ?? 0) / 1000).toFixed(3)} ms)`,
      `status: ${STATUS_NAMES[data.status[i] ?? 0]}${attempt > 1 ? `, attempt ${attempt}` : ''}`,
    ].join('\n')
  }

  /** @type {{ x: number, from: number, to: number } | undefined} */
  let drag
  canvas.addEventListener(
    'wheel',
    (event) => {
      event.preventDefault()
      const at = from + (event.offsetX / width) * (to - from)
      const factor = Math.exp(event.deltaY * 0.002)
      // No closer than a microsecond across the canvas, no further than the whole run.
      const span = Math.min(end, Math.max(1, (to - from) * factor))
      from = Math.max(0, Math.min(end - span, at - ((at - from) / (to - from)) * span))
      to = from + span
      redraw()
    },
    { passive: false },
  )
  canvas.addEventListener('mousedown', (event) => {
    drag = { x: event.clientX, from, to }
    canvas.style.cursor = 'grabbing'
  })
  window.addEventListener('mouseup', () => {
    drag = undefined
    canvas.style.cursor = ''
  })
  canvas.addEventListener('dblclick', () => {
    from = 0
    to = end
    redraw()
  })
  window.addEventListener('mousemove', (event) => {
    if (drag === undefined) return
    const span = drag.to - drag.from
    const shift = ((event.clientX - drag.x) / Math.max(width, 1)) * span
    from = Math.max(0, Math.min(end - span, drag.from - shift))
    to = from + span
    redraw()
  })
  canvas.addEventListener('mousemove', (event) => {
    const i = drag === undefined ? attemptAt(event.offsetX, event.offsetY) : -1
    if (i === -1) {
      tooltip.hidden = true
      return
    }
    tooltip.textContent = describe(i)
    tooltip.hidden = false
    const left = Math.min(event.offsetX + 12, width - tooltip.offsetWidth - 4)
    tooltip.style.left = `${Math.max(0, left)}px`
    tooltip.style.top = `${event.offsetY + 14}px`
  })
  canvas.addEventListener('mouseleave', () => (tooltip.hidden = true))
  window.addEventListener('resize', resize)
  resize()
}

startStream()
