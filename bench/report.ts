// The run report at scale: a fan-out of 100,000 trivial tasks and their sum, run on the
// async executor with a Profiler, made into a report (with its graph, drawn grouped),
// written, and opened in the system's headless Chromium (as the report's browser tests
// open it). Prints the report's size, the time to make it, and the time from opening
// the file to the stream drawn with every bar.
//
//   pnpm --filter @taskgraph/bench bench:report     # after a build
//   node --import tsx report.ts 3                   # repetitions
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { chromium } from 'playwright-core'
import { Profiler, compute, gather, toGraph, toReportHtml } from 'taskgraph'
import { median, printTable } from './lib/stats.ts'
import { inc, sum } from './workloads/trivial.ts'

const repetitions = Number(process.argv[2] ?? 3)
const TASKS = 100_000
const CHROMIUM = process.env['TASKGRAPH_CHROMIUM'] ?? '/usr/bin/chromium'

const total = sum(gather(Array.from({ length: TASKS }, (_, i) => inc(i))))
const profiler = new Profiler()
await compute(total, { executor: 'async', hooks: profiler.hooks })
const graph = toGraph(total)

const dir = await mkdtemp(join(tmpdir(), 'taskgraph-bench-report-'))
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
const made: number[] = []
const drawn: number[] = []
let bytes = 0
try {
  for (let r = 0; r < repetitions; r++) {
    const started = performance.now()
    const html = await toReportHtml(profiler.records, { name: 'bench', graph })
    made.push(performance.now() - started)
    bytes = Buffer.byteLength(html)
    const path = join(dir, `report-${r}.html`)
    await writeFile(path, html)
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    const opened = performance.now()
    await page.goto(pathToFileURL(path).href)
    await page.waitForSelector(`[data-testid="stream"][data-bars="${profiler.records.length}"]`)
    drawn.push(performance.now() - opened)
    await page.close()
  }
} finally {
  await browser.close()
  await rm(dir, { recursive: true, force: true })
}

console.log(`\nrun report of ${profiler.records.length.toLocaleString('en-US')} task records`)
printTable(
  ['size', 'made (median)', 'opened and drawn (median)'],
  [
    [
      `${(bytes / 1e6).toFixed(1)} MB`,
      `${median(made).toFixed(0)} ms`,
      `${median(drawn).toFixed(0)} ms`,
    ],
  ],
)
