import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPage } from '../../../packages/observe/test/browser.js'
import { validateTrace } from '../../../packages/observe/test/trace-validator.js'
import { waitForStderr } from './helpers/output.js'
import { killOnCleanup } from './helpers/processes.js'
import { finished, runCli, startCli } from './helpers/run-cli.js'

// `taskgraph run --report`: the report of a real run, opened in a headless Chromium
// (packages/observe/test/browser.ts), must show what the trace of the same run says.

interface TaskEvent {
  readonly ph: string
  readonly name: string
  readonly dur: number
  readonly args: { readonly status: string; readonly function: string }
}

/** Per function, what the report's table shows, computed from the trace's task events. */
async function statsFromTrace(path: string): Promise<string[][]> {
  const { problems, events } = validateTrace(await readFile(path, 'utf8'))
  expect(problems).toEqual([])
  const stats = new Map<string, { count: number; total: number; max: number; failures: number }>()
  for (const event of events as unknown as TaskEvent[]) {
    if (event.ph !== 'X') continue
    const entry = stats.get(event.args.function) ?? { count: 0, total: 0, max: 0, failures: 0 }
    // The report counts in whole microseconds, as the trace gives them to three decimals.
    const us = Math.round(event.dur)
    entry.count++
    entry.total += us
    entry.max = Math.max(entry.max, us)
    if (event.args.status === 'failed') entry.failures++
    stats.set(event.args.function, entry)
  }
  return [...stats]
    .map(([name, s]) => [name, s.count, s.total, Math.round(s.total / s.count), s.max, s.failures])
    .map((row) => row.map(String))
    .sort(([a], [b]) => a!.localeCompare(b!))
}

const STAT_FIELDS = ['function', 'count', 'total-us', 'mean-us', 'max-us', 'failures']

/** The report at `path` in the browser: its function table, bars drawn, failures. */
async function openReport(path: string) {
  const opened = await openPage(pathToFileURL(path).href)
  const { page } = opened
  const stream = page.getByTestId('stream')
  await expect.poll(() => stream.getAttribute('data-bars'), { timeout: 10_000 }).not.toBeNull()
  const stats: string[][] = []
  for (const row of await page.getByTestId('function-stats').locator('tbody tr').all()) {
    stats.push(
      await Promise.all(
        STAT_FIELDS.map(async (field) => (await row.getAttribute(`data-${field}`))!),
      ),
    )
  }
  stats.sort(([a], [b]) => a!.localeCompare(b!))
  const failures = page.getByTestId('failures')
  return {
    ...opened,
    stats,
    bars: Number(await stream.getAttribute('data-bars')),
    failures: Number(await failures.getAttribute('data-count')),
    failureText: await failures.textContent(),
  }
}

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'taskgraph-report-'))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

describe('taskgraph run --report', () => {
  it('writes a report whose stream has a bar per task and whose numbers are the trace’s', async () => {
    const [report, trace] = [join(dir, 'flow.html'), join(dir, 'flow.json')]
    const run = await runCli([
      'run',
      'report-flow.ts',
      '-e',
      'threads',
      '-w',
      '2',
      '--trace',
      trace,
      '--report',
      report,
    ])
    expect(run).toMatchObject({ code: 0, stderr: '' })
    const opened = await openReport(report)
    expect(opened.bars).toBe(28)
    expect(opened.stats).toEqual(await statsFromTrace(trace))
    expect(opened.stats.map(([name, count]) => `${name} ×${count}`)).toEqual([
      'load ×12',
      'partial ×3',
      'square ×12',
      'total ×1',
    ])
    expect(opened.failures).toBe(0)
    // With the workflow's graph: the critical path (load, square, partial, total) and drawings.
    const path = opened.page.getByTestId('critical-path')
    expect(await path.getAttribute('data-tasks')).toBe('4')
    expect(await opened.page.locator('#graph svg').count()).toBe(2)
    // Drawn by duration first; the toggle shows the drawing by status instead.
    const [byDuration, byStatus] = ['graph-duration', 'graph-status'].map((id) =>
      opened.page.getByTestId(id),
    )
    expect([await byDuration!.isVisible(), await byStatus!.isVisible()]).toEqual([true, false])
    await opened.page.getByText('by status').click()
    expect([await byDuration!.isVisible(), await byStatus!.isVisible()]).toEqual([false, true])
    expect(opened.errors).toEqual([])
    expect(opened.foreignRequests).toEqual([])
    await opened.page.context().close()
  })

  it('writes the report of a run that fails, with the failure and its error', async () => {
    const [report, trace] = [join(dir, 'fails.html'), join(dir, 'fails.json')]
    const run = await runCli(['run', 'one-fails.ts', '-k', '--trace', trace, '--report', report])
    expect(run.code).toBe(1)
    const opened = await openReport(report)
    expect(opened.bars).toBe(3)
    expect(opened.stats).toEqual(await statsFromTrace(trace))
    expect(opened.failures).toBe(1)
    expect(opened.failureText).toContain('cannot take 3 numbers')
    expect(opened.errors).toEqual([])
    expect(opened.foreignRequests).toEqual([])
    await opened.page.context().close()
  })

  it('shows keys, names and errors holding markup and control characters as text', async () => {
    const report = join(dir, 'odd-keys.html')
    const run = await runCli(['run', 'odd-keys.ts', '-k', '--report', report])
    expect(run.code).toBe(1)
    const opened = await openReport(report)
    expect(opened.bars).toBe(5)
    expect(opened.failures).toBe(1)
    expect(opened.failureText).toContain('</pre><script>alert(3)</script>')
    // Nothing the keys hold became markup: the page's own two scripts, no image.
    expect(await opened.page.locator('script').count()).toBe(2)
    expect(await opened.page.locator('img').count()).toBe(0)
    expect(await opened.page.locator('#graph svg').count()).toBe(2)
    expect(opened.errors).toEqual([])
    await opened.page.context().close()
  })

  it('wraps keys, names and errors too long for a line, instead of widening the page', async () => {
    const report = join(dir, 'long-keys.html')
    const run = await runCli(['run', 'long-keys.ts', '-k', '--report', report])
    expect(run.code).toBe(1)
    const opened = await openReport(report)
    expect(opened.failures).toBe(1)
    // The page is 1280 pixels wide: no table, legend or line reaches past it. (Code given
    // as text: this package is not type-checked against the DOM.)
    const page = opened.page
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBe(1280)
    // Numbers stay on one line beside the wrapped keys.
    const lines = await page.evaluate<
      number[]
    >(`[...document.querySelectorAll('td.num')].map((cell) => {
      const range = document.createRange()
      range.selectNodeContents(cell)
      return range.getClientRects().length
    })`)
    expect(lines.length).toBeGreaterThan(0)
    expect(lines.filter((count) => count !== 1)).toEqual([])
    expect(opened.errors).toEqual([])
    await opened.page.context().close()
  })

  it('writes the report of a run stopped by Ctrl-C, the running tasks cancelled', async () => {
    const report = join(dir, 'interrupted.html')
    const args = ['--log-level', 'debug', 'run', 'busy-tasks.ts', '-e', 'threads', '-w', '2']
    const child = killOnCleanup(
      startCli([...args, '--report', report], { env: { BUSY_TASKS: '40', BUSY_MS: '200' } }),
    )
    const result = finished(child)
    // Stopped once a task has started after the first three finished: it runs for 200 ms.
    // (Long tasks wait in the scheduler until a worker is free, so right after two end
    // together, none may be running yet.)
    await waitForStderr(child, /("msg":"task finished".*\n.*){3}"msg":"task started"/s)
    child.kill('SIGINT')
    expect((await result).code).toBe(130)
    const opened = await openReport(report)
    expect(opened.bars).toBeGreaterThanOrEqual(4)
    expect(opened.bars).toBeLessThan(40)
    expect(await opened.page.getByTestId('stream').getAttribute('data-tasks')).toBe(
      String(opened.bars),
    )
    const cancelled = await opened.page.getByTestId('summary').getAttribute('data-cancelled')
    expect(Number(cancelled)).toBeGreaterThanOrEqual(1)
    expect(opened.errors).toEqual([])
    await opened.page.context().close()
  })

  // Results read from the cache are records of the trace, but no attempts: the summary
  // counted them as attempts, against the function table's count beneath it.
  it('counts the results a run read from its cache apart from its attempts, as the function table does', async () => {
    const cache = join(dir, 'cache')
    expect((await runCli(['run', 'cached-odd-names.ts', '--cache', cache])).code).toBe(0)
    const report = join(dir, 'cached.html')
    const run = await runCli(['run', 'cached-odd-names.ts', '--cache', cache, '--report', report])
    expect(run.stderr).toContain('6 tasks from the cache')
    const html = await readFile(report, 'utf8')
    const counts = [...html.matchAll(/<tr data-function="[^"]*" data-count="(\d+)"/g)]
    expect(counts).toHaveLength(6)
    const attempts = counts.reduce((sum, [, count]) => sum + Number(count), 0)
    const summary = /<p class="summary"[^>]*data-attempts="(\d+)"[^>]*>([^<]*)</.exec(html)!
    expect(Number(summary[1])).toBe(attempts)
    expect(summary[2]).toMatch(
      /^0 attempts of 6 functions on .*, 0 failed, 6 read from the cache, started /,
    )
  })

  it('refuses, before running, a path in a directory that does not exist (exit 2)', async () => {
    const path = join(dir, 'missing', 'report.html')
    const run = await runCli(['run', 'report-flow.ts', '--report', path])
    expect(run).toMatchObject({ code: 2, stdout: '' })
    expect(run.stderr).toContain(`'--report' names ${path}`)
  })

  it('refuses, before running, a path that is a directory (exit 2)', async () => {
    const path = join(dir, 'a-directory')
    await mkdir(path)
    const run = await runCli(['run', 'report-flow.ts', '--report', path])
    expect(run).toMatchObject({ code: 2, stdout: '' })
    expect(run.stderr).toContain(`'--report' names ${path}`)
  })

  it('fails with exit 4 when the report cannot be written after the run succeeded; the trace is written', async () => {
    // Its directory is removed while the run goes (REMOVE_DIR): the write fails.
    const gone = join(dir, 'gone')
    await mkdir(gone)
    const trace = join(dir, 'beside.json')
    const args = ['run', 'report-flow.ts', '-e', 'inline', '--report', join(gone, 'r.html')]
    const run = await runCli([...args, '--trace', trace], {
      env: { REPORT_MS: '0', REMOVE_DIR: gone },
    })
    expect(run.code).toBe(4)
    expect(run.stderr).toContain('taskgraph run --report')
    expect(await statsFromTrace(trace)).toHaveLength(4)
  })

  it('warns, after a run that failed, that the report cannot be written', async () => {
    const gone = join(dir, 'gone-too')
    await mkdir(gone)
    const run = await runCli(['run', 'one-fails.ts', '--report', join(gone, 'r.html')], {
      env: { REMOVE_DIR: gone },
    })
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('taskgraph: warning: taskgraph run --report')
  })
})
