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
// Each task returns how long it ran by its own clock. What the trace says must contain
// that, and no two tasks on one worker's track may overlap: a record that counted a
// queued task's wait would start it with the others, over the task its worker ran
// first. The logs must say what the trace says. Those checks need no clock bound, since a
// loaded machine can deschedule a worker for tens of ms between the clock reads around a
// call; GROSS_MS only catches a wrong unit or a record of something else.
const GROSS_MS = 1000

/** Whether `recorded` ms is the task's own `own` ms, plus what the worker does around it. */
function expectRunTime(recorded: number, own: number): void {
  // Rounding to the microsecond in the trace.
  expect(recorded).toBeGreaterThanOrEqual(own - 0.01)
  expect(recorded - own).toBeLessThan(GROSS_MS)
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
  readonly ts: number
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

/**
 * The six busy tasks of a run of timed-busy-tasks.ts, checked: each at the time it ran by
 * its own clock, on two tracks, one after another on each.
 */
async function busyTasksOf(path: string, stdout: string): Promise<TaskEvent[]> {
  const own = ownDurations(stdout)
  const busy = (await traceAt(path)).filter((event) => event.name.startsWith('busy-'))
  expect(busy.map((event) => event.name).sort()).toEqual([0, 1, 2, 3, 4, 5].map((i) => `busy-${i}`))
  const tracks = new Map<string, TaskEvent[]>()
  for (const event of busy) {
    expect(event.args).toMatchObject({ status: 'done', function: 'busy' })
    // Microseconds.
    expectRunTime(event.dur / 1000, own.get(event.name)!)
    const track = `${event.pid}/${event.tid}`
    tracks.set(track, [...(tracks.get(track) ?? []), event])
  }
  expect(tracks.size).toBe(2)
  for (const events of tracks.values()) {
    events.sort((a, b) => a.ts - b.ts)
    for (let i = 1; i < events.length; i++) {
      // Each starts once the one before it on its worker has ended (microseconds, rounded).
      expect(events[i]!.ts).toBeGreaterThanOrEqual(events[i - 1]!.ts + events[i - 1]!.dur - 1)
    }
  }
  return busy
}

describe('taskgraph --log-level debug run', () => {
  it.for(['threads', 'processes'] as const)(
    'on %s logs each task at the time it ran (100 ms), not counting its wait, and where it ran',
    async (executor) => {
      const path = join(dir, `logged-${executor}.json`)
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
        '--trace',
        path,
      ])
      expect(code).toBe(0)
      const traced = new Map(
        (await busyTasksOf(path, stdout)).map((event) => [event.name, event.dur / 1000]),
      )
      // The busy tasks (the gather that assembles them ends too, on the main thread).
      const finished = logEntries(stderr).filter(
        (entry) => entry.msg === 'task finished' && entry.key?.startsWith('busy-'),
      )
      expect(finished.map((entry) => entry.key).sort()).toEqual(
        [0, 1, 2, 3, 4, 5].map((i) => `busy-${i}`),
      )
      for (const entry of finished) {
        // What the trace says, which is rounded to the microsecond.
        expect(entry.durationMs).toBeCloseTo(traced.get(entry.key!)!, 2)
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
      await busyTasksOf(path, run.stdout)
      // And the gather that assembles them.
      expect(await traceAt(path)).toHaveLength(7)
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
    // Forty tasks of a second on two workers: twenty seconds, stopped after the second
    // ends. Tasks that long are still running when the stop comes, however long a loaded
    // machine holds the command between the line read here and the signal (with tasks of
    // 200 ms, a stall let the two running ones end and the stop find none running).
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
        { env: { BUSY_TASKS: '40', BUSY_MS: '1000' } },
      ),
    )
    const result = finished(child)
    await waitForStderr(child, /("msg":"task finished".*\n.*){2}/s)
    child.kill('SIGINT')
    expect((await result).code).toBe(130)
    const tasks = await traceAt(path)
    const byStatus = (status: string) => tasks.filter((event) => event.args.status === status)
    expect(byStatus('done').length).toBeGreaterThanOrEqual(2)
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
