import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { validateTrace } from '../../../packages/observe/test/trace-validator.js'
import { logEntries, waitForStderr } from './helpers/output.js'
import { killOnCleanup } from './helpers/processes.js'
import { finished, runCli, startCli } from './helpers/run-cli.js'

// What a run says of its tasks' times is measured where they ran: timed-busy-tasks.ts has six
// tasks of 100 ms on two workers, so four wait in the pool's queue before they start.
// Each task returns how long it ran by its own clock; what the logs and the trace say
// must contain it, plus only what the worker does around the call (reading inputs,
// sending the result). On a quiet machine that extra is a few ms (the check is
// 100 ms ± 15 ms); a loaded one can deschedule the worker for tens of ms, so the bound
// here is the one that still tells a run from a wait: a queued task waited for a whole
// 100 ms task before it, and counting that would put it past OVERHEAD_MS.
const OVERHEAD_MS = 60

/** Whether `recorded` ms is the task's own `own` ms plus at most OVERHEAD_MS. */
function expectRunTime(recorded: number, own: number): void {
  // Rounding to the microsecond in the trace.
  expect(recorded).toBeGreaterThanOrEqual(own - 0.01)
  expect(recorded - own).toBeLessThan(OVERHEAD_MS)
}

/** How long each busy task ran, by its own clock, from the run's --json result. */
function ownDurations(stdout: string): Map<string, number> {
  const durations = JSON.parse(stdout) as number[]
  for (const ms of durations) expect(ms).toBeGreaterThanOrEqual(100)
  return new Map(durations.map((ms, i) => [`busy-${i}`, ms]))
}

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'taskgraph-trace-'))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

interface TaskEvent {
  readonly ph: string
  readonly name: string
  readonly pid: number
  readonly tid: number
  readonly dur: number
  readonly args: { readonly status: string; readonly error?: string; readonly function: string }
}

/** The trace at `path`, checked against the Trace Event Format; its task events. */
async function traceAt(path: string): Promise<TaskEvent[]> {
  const { problems, events } = validateTrace(await readFile(path, 'utf8'))
  expect(problems).toEqual([])
  return (events as unknown as TaskEvent[]).filter((event) => event.ph === 'X')
}

describe('taskgraph --log-level debug run', () => {
  it.for(['threads', 'processes'] as const)(
    'on %s logs each task at the time it ran (100 ms), not counting its wait, and where it ran',
    async (executor) => {
      const { code, stdout, stderr } = await runCli([
        '--log-level',
        'debug',
        'run',
        'timed-busy-tasks.ts',
        '--json',
        '-e',
        executor,
        '-w',
        '2',
      ])
      expect(code).toBe(0)
      const own = ownDurations(stdout)
      // The busy tasks (the gather that assembles them ends too, on the main thread).
      const finished = logEntries(stderr).filter(
        (entry) => entry.msg === 'task finished' && entry.key?.startsWith('busy-'),
      )
      expect(finished.map((entry) => entry.key).sort()).toEqual(
        [0, 1, 2, 3, 4, 5].map((i) => `busy-${i}`),
      )
      for (const entry of finished) {
        expectRunTime(entry.durationMs!, own.get(entry.key!)!)
        expect(entry.worker).toMatch(executor === 'threads' ? /^thread \d+$/ : /^pid \d+$/)
      }
      // Two workers ran them.
      expect(new Set(finished.map((entry) => entry.worker)).size).toBe(2)
    },
  )
})

describe('taskgraph run --trace', () => {
  it.for(['threads', 'processes'] as const)(
    'on %s writes a valid trace: a task event per task, each busy one at the time it ran, on two tracks',
    async (executor) => {
      const path = join(dir, `${executor}.json`)
      const run = await runCli([
        'run',
        'timed-busy-tasks.ts',
        '--json',
        '-e',
        executor,
        '-w',
        '2',
        '--trace',
        path,
      ])
      expect(run).toMatchObject({ code: 0, stderr: '' })
      const own = ownDurations(run.stdout)
      const tasks = await traceAt(path)
      const busy = tasks.filter((event) => event.name.startsWith('busy-'))
      expect(busy.map((event) => event.name).sort()).toEqual(
        [0, 1, 2, 3, 4, 5].map((i) => `busy-${i}`),
      )
      for (const event of busy) {
        expect(event.args).toMatchObject({ status: 'done', function: 'busy' })
        // Microseconds.
        expectRunTime(event.dur / 1000, own.get(event.name)!)
      }
      expect(new Set(busy.map((event) => `${event.pid}/${event.tid}`)).size).toBe(2)
      // And the gather that assembles them.
      expect(tasks).toHaveLength(7)
      // The program's memory, sampled while it ran, the pool's processes' too on Linux.
      const { events } = validateTrace(await readFile(path, 'utf8'))
      const memory = events.filter((event) => event.ph === 'C' && event.name === 'memory (MB)')
      expect(memory.length).toBeGreaterThanOrEqual(2)
      const series = new Set(memory.flatMap((event) => Object.keys(event.args as object)))
      expect(series.has('main')).toBe(true)
      if (executor === 'processes' && process.platform === 'linux') {
        expect([...series].filter((name) => name.startsWith('pid '))).toHaveLength(2)
      }
    },
  )

  it('writes the trace of a run that fails, the failure marked', async () => {
    const path = join(dir, 'failed.json')
    const run = await runCli(['run', 'throw-string.ts', '--trace', path])
    expect(run.code).toBe(1)
    const [task, ...others] = await traceAt(path)
    expect(others).toEqual([])
    expect(task).toMatchObject({
      name: 'throw-string',
      args: { status: 'failed', error: 'not an Error' },
    })
  })

  it('writes the trace of a run stopped by Ctrl-C: what ran, and what was running as cancelled', async () => {
    const path = join(dir, 'interrupted.json')
    // Forty tasks of 200 ms on two workers: eight seconds, stopped after the third ends.
    const child = killOnCleanup(
      startCli(
        [
          '--log-level',
          'debug',
          'run',
          'busy-tasks.ts',
          '-e',
          'threads',
          '-w',
          '2',
          '--trace',
          path,
        ],
        { env: { BUSY_TASKS: '40', BUSY_MS: '200' } },
      ),
    )
    const result = finished(child)
    await waitForStderr(child, /("msg":"task finished".*\n.*){3}/s)
    child.kill('SIGINT')
    expect((await result).code).toBe(130)
    const tasks = await traceAt(path)
    const byStatus = (status: string) => tasks.filter((event) => event.args.status === status)
    expect(byStatus('done').length).toBeGreaterThanOrEqual(3)
    // Those running on the two workers; calls still queued in the pool never ran.
    expect(byStatus('cancelled').length).toBeGreaterThanOrEqual(1)
    expect(byStatus('cancelled').length).toBeLessThanOrEqual(2)
    expect(tasks.length).toBeLessThan(40)
  })

  it('refuses, before running, a path in a directory that does not exist', async () => {
    const path = join(dir, 'missing', 'run.json')
    const run = await runCli(['run', 'timed-busy-tasks.ts', '--trace', path])
    expect(run).toMatchObject({ code: 2, stdout: '' })
    expect(run.stderr).toContain(`'--trace' names ${path}`)
  })
})
