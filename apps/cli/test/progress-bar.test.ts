import { spawn } from 'node:child_process'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { finished, fixture } from './helpers/run-cli.js'
import { cleanUp, makeTempDir } from './helpers/temp-dirs.js'
import { Pane, closePanes } from './helpers/tmux.js'

// The progress bar `taskgraph` exports, used by a program as a user would
// (fixtures/progress-program.mjs): on a terminal, and its counts over real executors.

afterEach(closePanes)
afterAll(cleanUp)

const PROGRAM = fixture('progress-program.mjs')

interface Report {
  readonly most: { readonly running: number; readonly retrying: number }
  readonly counts: Record<string, number>
  readonly error?: string
}

/** Runs the program with pipes (no terminal): its report, and what it wrote to stderr. */
async function runProgram(...args: string[]): Promise<{ report: Report; stderr: string }> {
  const child = spawn(process.execPath, [PROGRAM, ...args], {
    cwd: fixture('.'),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const { code, stdout, stderr } = await finished(child)
  // A run's time: tenths under ten seconds, whole seconds from then on, minutes past one.
  const timed = stderr.replace(/ in (\d+\.\d|\d+|\d+m\d\d)s/, ' in Ts')
  expect({ code, stderr: timed }).toMatchObject({ code: 0 })
  return { report: JSON.parse(stdout) as Report, stderr: timed }
}

// `running`: the most tasks of 100 ms counted as running at once between two turns of the
// event loop, when a display draws. In process, a synchronous task starts and ends within
// one turn, so none is ever seen running; a pool of two workers runs two at once.
// `work`: the tasks of 100 ms the program runs, two seconds' worth.
const EXECUTORS = [
  { executor: 'inline', workers: 1, running: 0, work: 20 },
  { executor: 'async', workers: 1, running: 0, work: 20 },
  { executor: 'threads', workers: 2, running: 2, work: 40 },
  { executor: 'processes', workers: 2, running: 2, work: 40 },
]

describe.each(EXECUTORS)(
  'progressBar() in a program, on $executor',
  ({ executor, running, work }) => {
    it('draws on a terminal, and leaves the summary line', async () => {
      const pane = await Pane.start([process.execPath, PROGRAM, 'busy', executor], {
        columns: 40,
        cwd: fixture('.'),
      })
      const during = await pane.waitFor((screen) => screen.some((line) => / running/.test(line)))
      expect(during).toHaveLength(1)
      expect(during[0]).toMatch(new RegExp(`^\\[[#-]+\\] +\\d+/${work + 1} +\\d running`))
      const end = await pane.exited()
      expect(end).toHaveLength(3)
      expect(end[0]).toMatch(
        new RegExp(`^${work + 1} tasks done in \\d+\\.\\ds \\(\\d+\\.\\d tasks/s\\)$`),
      )
      expect(JSON.parse(end[1]!)).toEqual({
        most: { running, retrying: 0 },
        counts: { total: work + 1, done: work + 1, failed: 0, running: 0, retrying: 0 },
      })
    })
  },
)

describe.concurrent.each(EXECUTORS)(
  'progressBar() counts, on $executor',
  ({ executor, workers, running, work }) => {
    it('a retried task runs again without counting as running twice', async () => {
      const dir = await makeTempDir()
      const { report, stderr } = await runProgram('retry', executor, dir)
      expect(report.most.running).toBeLessThanOrEqual(workers)
      expect(report.most.retrying).toBeGreaterThanOrEqual(1)
      const total = work + 3
      expect(report.counts).toEqual({ total, done: total, failed: 0, running: 0, retrying: 0 })
      expect(stderr).toMatch(new RegExp(`^${total} tasks done in Ts \\(\\d+\\.\\d tasks/s\\)\n$`))
    })

    it('a failed task counts as failed, and what it held back as skipped', async () => {
      const { report, stderr } = await runProgram('fail', executor)
      expect(report).toEqual({
        most: { running, retrying: 0 },
        counts: { total: work + 2, done: work, failed: 1, running: 0, retrying: 0 },
        error: 'AggregateTaskError',
      })
      expect(stderr).toBe(`${work} of ${work + 2} tasks done, 1 failed, 1 skipped in Ts\n`)
    })

    it('a task that fails after it returned moves from done to failed', async () => {
      // The other task goes on to its end: the run waits for it before it fails.
      const { report, stderr } = await runProgram('late', executor)
      expect(report.most.running).toBeLessThanOrEqual(workers)
      expect(report).toMatchObject({
        counts: { total: 3, done: 1, failed: 1, running: 0, retrying: 0 },
        error: 'UnhandledRejectionError',
      })
      expect(stderr).toBe('1 of 3 tasks done, 1 failed, 1 skipped in Ts\n')
    })
  },
)

it('progressBar() refuses options it cannot use, with an InvalidOptionError', async () => {
  const child = spawn(process.execPath, [PROGRAM, 'options'], {
    cwd: fixture('.'),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const { stdout } = await finished(child)
  expect(JSON.parse(stdout)).toEqual(Array(6).fill('InvalidOptionError ERR_INVALID_OPTION'))
})
