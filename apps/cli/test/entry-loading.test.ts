import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, test } from 'vitest'

// Importing taskgraph loads what every program needs; the pools' engine, the report's
// page and the dashboard's server load on their first use (see docs/performance.md).
// Checked in a fresh process, whose module loads are posted back by a module hook
// (`module.register` runs hooks on a thread of their own) and read at each stage.

const run = promisify(execFile)
const CLI = fileURLToPath(new URL('..', import.meta.url))

const HOOKS = `
let port
export function initialize(data) { port = data.port }
export async function load(url, context, next) {
  port.postMessage(url)
  return next(url, context)
}
`

const STAGES = `
import { register } from 'node:module'
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads'
const { port1, port2 } = new MessageChannel()
port1.unref()
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOKS)}), {
  data: { port: port2 },
  transferList: [port2],
})
const loaded = []
const seen = () => {
  for (let m; (m = receiveMessageOnPort(port1)); ) {
    const at = m.message.search(/\\/(scheduler|observe)\\/dist\\//)
    // A lazy part is a file of its own, named for its module, with a hash.
    if (at !== -1) loaded.push(m.message.slice(at + 1).replace('/dist/', '/').replace(/-[A-Z0-9]{8}\\.js$/, '.js'))
  }
  return loaded.slice()
}
const taskgraph = await import('taskgraph')
const { default: total } = await import('./test/fixtures/sum.mjs')
const stages = { imported: seen() }
const pool = new taskgraph.ThreadExecutor({ workers: 1 })
stages.made = seen()
const [value] = await taskgraph.compute(total, { executor: pool })
await pool.close()
stages.ran = seen()
const html = await taskgraph.toReportHtml([])
stages.reported = seen()
const dashboard = await taskgraph.startDashboard({ port: 0 })
await dashboard.close()
stages.served = seen()
console.log(JSON.stringify({ value, html: html.startsWith('<!doctype html>'), stages }))
`

describe('importing taskgraph', () => {
  test('loads no pool engine, report or dashboard; each loads when first used', async () => {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', STAGES], {
      cwd: CLI,
    })
    const { value, html, stages } = JSON.parse(stdout) as {
      value: number
      html: boolean
      stages: Record<'imported' | 'made' | 'ran' | 'reported' | 'served', string[]>
    }
    expect(value).toBe(25)
    expect(html).toBe(true)
    const engine = ['scheduler/pool-engine.js']
    const report = ['observe/to-report-html.js']
    const dashboard = ['observe/start-dashboard.js']
    expect(stages.imported).toContain('scheduler/index.js')
    expect(stages.imported).toContain('observe/index.js')
    const first = (module: string): string | undefined =>
      (['imported', 'made', 'ran', 'reported', 'served'] as const).find((stage) =>
        stages[stage].includes(module),
      )
    expect(Object.fromEntries([...engine, ...report, ...dashboard].map((m) => [m, first(m)])))
      .toMatchInlineSnapshot(`
        {
          "observe/start-dashboard.js": "served",
          "observe/to-report-html.js": "reported",
          "scheduler/pool-engine.js": "ran",
        }
      `)
  })
})
