import { execFileSync } from 'node:child_process'
import {
  closeSync,
  constants,
  existsSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
} from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { reportedPids, waitForStderr } from './helpers/output.js'
import {
  HAS_PROC,
  childrenOf,
  comesTrue,
  descendantsUntil,
  isAlive,
  killOnCleanup,
  killStrays,
} from './helpers/processes.js'
import { finished, fixture, startCli, type CliResult } from './helpers/run-cli.js'
import { cleanUp, makeTempDir } from './helpers/temp-dirs.js'

// Ctrl-C at any moment of a run, from the command's first milliseconds to a task that
// waits, on every executor: exit 130 within 2 s of it, and no process of the run left.
// signals.test.ts has SIGINT while the workflow loads, pool-signals.test.ts and
// supervisor.test.ts tasks that hold their thread; this file the moments in between.
// pending-load.ts says "pending-load: loading", then waits 10 s in its top-level code;
// sleep-long.ts waits 20 s in a task. Not concurrent: exits are timed.

afterAll(killStrays)
afterEach(cleanUp)

type CliProcess = ReturnType<typeof startCli>

interface Interrupted extends CliResult {
  /** From the signal to the command's exit, in ms. */
  readonly tookMs: number
  /** The processes of the run: seen under the command, or reported by the workflow. */
  readonly pids: readonly number[]
}

/**
 * Sends SIGINT to `child` once `ready` (when given) has resolved, and waits for its end,
 * noting every process it started on the way.
 */
async function interrupt(child: CliProcess, ready?: Promise<unknown>): Promise<Interrupted> {
  const exited = new Promise<number>((resolve) =>
    child.once('exit', () => resolve(performance.now())),
  )
  const result = finished(child)
  const seen = descendantsUntil(child.pid!, exited)
  await ready
  const signalled = performance.now()
  child.kill('SIGINT')
  const { stderr, ...rest } = await result
  const pids = [...new Set([...(await seen), ...reportedPids(stderr)])]
  return { ...rest, stderr, tookMs: (await exited) - signalled, pids }
}

function start(args: readonly string[]): CliProcess {
  return killOnCleanup(startCli(args))
}

/**
 * The first child process of `pid`, looked for without yielding to the event loop, so
 * that what follows happens the moment it appears; undefined if none does within `ms`.
 */
function firstChildNow(pid: number, ms: number): number | undefined {
  const deadline = performance.now() + ms
  while (performance.now() < deadline) {
    let children: number[]
    try {
      children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
        .split(' ')
        .filter(Boolean)
        .map(Number)
    } catch {
      // A kernel without the children file: the slower scan of /proc.
      children = childrenOf(pid)
    }
    if (children[0] !== undefined) return children[0]
  }
  return undefined
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

describe.skipIf(!HAS_PROC)('SIGINT during start-up', () => {
  // Before Node has run any of the command's code nothing can catch the signal, and the
  // command dies of it: a shell reports that as 130 too. Either way, nothing is left and
  // nothing is printed after the command has gone.
  it('50 ms after the command starts: status 130, the workflow never loaded, nothing left', async () => {
    const child = start(['run', 'pending-load.ts'])
    // Waited out without yielding: a timer of the test's own loaded event loop may fire
    // long after 50 ms, once the command has begun loading the workflow.
    const deadline = performance.now() + 50
    while (performance.now() < deadline);
    const { stdout, stderr, code, signal, tookMs, pids } = await interrupt(child)
    const says = stderr === '' ? 'nothing' : stderr.includes('SIGINT') ? 'SIGINT' : stderr
    expect([
      { code: 130, signal: null, stdout: '', says: 'SIGINT' },
      { code: null, signal: 'SIGINT', stdout: '', says: 'nothing' },
    ]).toContainEqual({ code, signal, stdout, says })
    expect(stderr).not.toContain('pending-load: loading')
    expect(tookMs).toBeLessThan(2_000)
    expect(await comesTrue(() => !pids.some(isAlive), 1_000)).toBe(true)
  })

  // The command listens for SIGINT from the moment its runner exists: a signal sent as
  // the runner appears must not kill the command and leave the runner on its own.
  // Tried a few times, as the moment is short.
  it('the moment the runner starts: exit 130 every time, the runner ends with the command', async () => {
    const outcomes = []
    for (let attempt = 0; attempt < 5; attempt++) {
      const child = start(['run', 'pending-load.ts'])
      const result = finished(child)
      const runner = firstChildNow(child.pid!, 5_000)
      child.kill('SIGINT')
      const { code, signal, stderr } = await result
      const runnerEnded = runner !== undefined && (await comesTrue(() => !isAlive(runner), 1_000))
      outcomes.push({ code, signal, stopLine: stderr.includes('SIGINT'), runnerEnded })
    }
    expect(outcomes).toEqual(
      Array.from({ length: 5 }, () => ({
        code: 130,
        signal: null,
        stopLine: true,
        runnerEnded: true,
      })),
    )
  })

  it.each([50, 150, 300])(
    '%i ms after the runner starts, before the workflow has loaded: exit 130 within 2 s, nothing left',
    async (ms) => {
      const child = start(['run', 'pending-load.ts'])
      const ready = comesTrue(() => childrenOf(child.pid!).length > 0, 5_000).then(() => sleep(ms))
      const { stderr, tookMs, pids, ...exit } = await interrupt(child, ready)
      expect(exit).toEqual({ code: 130, signal: null, stdout: '' })
      expect(stderr).toContain('SIGINT')
      expect(tookMs).toBeLessThan(2_000)
      expect(await comesTrue(() => !pids.some(isAlive), 1_000)).toBe(true)
    },
  )

  // stuck-in-workers.ts never finishes loading in a worker: the pool is still starting.
  it.each(['threads', 'processes'] as const)(
    '--executor %s, while the workers load the workflow: exit 130 within 2 s, no worker left',
    async (executor) => {
      const child = start(['run', 'stuck-in-workers.ts', '-e', executor, '--workers', '2'])
      const ready = waitForStderr(child, /stuck-in-workers: worker loading in pid \d+/)
      const { stderr, tookMs, pids, ...exit } = await interrupt(child, ready)
      expect(exit).toEqual({ code: 130, signal: null, stdout: '' })
      expect(stderr).toContain('SIGINT')
      expect(tookMs).toBeLessThan(2_000)
      expect(await comesTrue(() => !pids.some(isAlive), 1_000)).toBe(true)
    },
  )
})

describe.skipIf(!HAS_PROC)('SIGINT while a task waits', () => {
  it.each(['inline', 'async', 'threads', 'processes'] as const)(
    '--executor %s: exit 130 within 2 s, the task and every process of the run gone',
    async (executor) => {
      const child = start(['run', 'sleep-long.ts', '-e', executor])
      const ready = waitForStderr(child, /sleep-long: task started in pid (\d+)/)
      const { stderr, tookMs, pids, ...exit } = await interrupt(child, ready)
      const [, task] = await ready
      expect(exit).toEqual({ code: 130, signal: null, stdout: '' })
      expect(stderr).toContain('SIGINT')
      expect(tookMs).toBeLessThan(2_000)
      expect(pids).toContain(Number(task))
      expect(await comesTrue(() => !pids.some(isAlive), 1_000)).toBe(true)
    },
  )
})

describe.skipIf(!HAS_PROC)('a second SIGINT while the trace is written', () => {
  // The runner writes the trace into a temporary file beside it (named with its pid),
  // renamed once whole; the supervisor kills it at a second Ctrl-C. Here that file is a
  // pipe made in its place that nothing drains: a write that stalls once the pipe is full,
  // as on a slow disk, with no timing to guess. The temporary file was left behind.
  it('exit 130, and the temporary file the runner was writing is removed', async () => {
    const dir = await makeTempDir()
    const child = start(
      ['run', fixture('wide-then-wait.ts'), '-e', 'inline'].concat([
        '--trace',
        join(dir, 'trace.json'),
      ]),
    )
    const result = finished(child)
    const [, runner] = await waitForStderr(child, /wide-then-wait: task started in pid (\d+)/)
    const temporary = join(dir, `.trace.json.${runner}.tmp`)
    execFileSync('mkfifo', [temporary])
    const pipe = openSync(temporary, constants.O_RDONLY | constants.O_NONBLOCK)
    try {
      child.kill('SIGINT') // cancels the run, whose trace is then written
      const written = (): boolean => {
        try {
          return readSync(pipe, Buffer.alloc(1)) > 0
        } catch {
          return false // EAGAIN: the runner has opened it and not written yet
        }
      }
      expect(await comesTrue(written, 5_000)).toBe(true)
      await sleep(600) // a second Ctrl-C, not the first one again (supervise.ts: 500 ms)
      child.kill('SIGINT')
      const { code, stderr } = await result
      expect({ code, second: stderr.includes('second SIGINT') }).toEqual({
        code: 130,
        second: true,
      })
      expect(readdirSync(dir)).toEqual([])
    } finally {
      closeSync(pipe)
    }
  })
})

describe.skipIf(!HAS_PROC)('a second SIGINT once the trace is written, while the report is', () => {
  // As above, the report's temporary file is a pipe nothing drains (the report of 5,000
  // tasks holds more than its buffer); the trace beside it is written whole. The command said that neither was written.
  it('exit 130, naming the report alone as not written', async () => {
    const dir = await makeTempDir()
    const [trace, report] = [join(dir, 'trace.json'), join(dir, 'report.html')]
    const args = ['run', fixture('wide-then-wait.ts'), '-e', 'inline']
    const child = killOnCleanup(
      startCli([...args, '--trace', trace, '--report', report], { env: { WIDE_TASKS: '5000' } }),
    )
    const result = finished(child)
    const [, runner] = await waitForStderr(child, /wide-then-wait: task started in pid (\d+)/)
    const temporary = join(dir, `.report.html.${runner}.tmp`)
    execFileSync('mkfifo', [temporary])
    const pipe = openSync(temporary, constants.O_RDONLY | constants.O_NONBLOCK)
    try {
      child.kill('SIGINT') // cancels the run, whose trace and report are then written
      let reportBegun = false
      const traceWritten = (): boolean => {
        try {
          reportBegun ||= readSync(pipe, Buffer.alloc(1)) > 0
        } catch {
          // EAGAIN: the runner has opened it and not written yet
        }
        return reportBegun && existsSync(trace)
      }
      expect(await comesTrue(traceWritten, 5_000)).toBe(true)
      await sleep(600) // a second Ctrl-C, not the first one again (supervise.ts: 500 ms)
      child.kill('SIGINT')
      const { code, stderr } = await result
      expect(code).toBe(130)
      expect(stderr).toContain(
        'taskgraph: stopped at once by a second SIGINT; the report was not written\n',
      )
      expect(readdirSync(dir)).toEqual(['trace.json'])
    } finally {
      closeSync(pipe)
    }
  })
})

describe.skipIf(!HAS_PROC)('SIGINT while the result is written', () => {
  // The run is over, and its result goes to a stdout that takes only part of it (this
  // test reads none of it until the signal). The command said the run was cancelled
  // before it finished.
  it('exit 130, saying stdout holds only part of the result', async () => {
    const child = start(['run', 'big-result.ts', '--json', '-e', 'inline'])
    child.stdout.pause()
    expect(await comesTrue(() => child.stdout.readableLength > 0, 10_000)).toBe(true)
    child.kill('SIGINT')
    const { code, stdout, stderr } = await finished(child)
    expect({ code, stderr }).toEqual({
      code: 130,
      stderr:
        'taskgraph: stopped by SIGINT as the run was over; stdout holds only part of the result\n',
    })
    expect(stdout.length).toBeLessThan(4_000_002)
  })

  // The signal comes while the trace is written after the result: the run's listener
  // heard it then, and the command waited for ever for the reader to take the result.
  it('with --trace: the trace is written, then exit 130 with stdout holding part of the result', async () => {
    const trace = join(await makeTempDir(), 'trace.json')
    const child = start(['run', 'big-result.ts', '--json', '-e', 'inline', '--trace', trace])
    child.stdout.pause()
    expect(await comesTrue(() => child.stdout.readableLength > 0, 10_000)).toBe(true)
    child.kill('SIGINT')
    const { code, stderr } = await finished(child)
    expect({ code, stderr }).toEqual({
      code: 130,
      stderr:
        'taskgraph: stopped by SIGINT as the run was over; stdout holds only part of the result\n',
    })
    const written = JSON.parse(readFileSync(trace, 'utf8')) as { traceEvents: unknown[] }
    expect(written.traceEvents.length).toBeGreaterThan(0)
  })
})
