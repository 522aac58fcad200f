import { spawn } from 'node:child_process'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { waitForStderr } from './helpers/output.js'
import {
  HAS_PROC,
  childrenOf,
  comesTrue,
  descendantsOf,
  isAlive,
  killOnCleanup,
  killStrays,
  killTree,
  stateOf,
} from './helpers/processes.js'
import { CLI, finished, fixture, startCli, type CliOptions } from './helpers/run-cli.js'
import { cleanUp, makeTempDir } from './helpers/temp-dirs.js'

// `taskgraph run` runs the workflow in a child process, the runner, and keeps the
// signals. spin.ts: two tasks that never return, each writing "spin: task started in pid
// N" as it starts; on inline and async the first holds the runner's main thread, where
// no signal handler can run. Not concurrent: exits are timed, and each run spins a core.

afterAll(killStrays)

/**
 * Kills what is left of `pids` when a test fails: once the CLI is gone, `killStrays` no
 * longer finds the processes it started. Called as the test ends, before a pid is reused.
 */
function killLeftovers(pids: readonly number[]): void {
  for (const pid of pids.filter(isAlive)) process.kill(pid, 'SIGKILL')
}

function start(args: readonly string[], options?: CliOptions): ReturnType<typeof startCli> {
  return killOnCleanup(startCli(args, options))
}

/** When `child` exits, by `performance.now()`. */
function exitTime(child: ReturnType<typeof startCli>): Promise<number> {
  return new Promise((resolve) => child.once('exit', () => resolve(performance.now())))
}

const STARTED = /spin: task started in pid (\d+)/

describe.skipIf(!HAS_PROC)('a task holding the main thread', () => {
  describe.each(['inline', 'async'] as const)('--executor %s', (executor) => {
    it('a first SIGINT says why it cannot stop the run; a second ends it at once: exit 130, nothing left', async () => {
      const child = start(['run', 'spin.ts', '-e', executor])
      const cli = child.pid!
      const result = finished(child)
      const [, pid] = await waitForStderr(child, STARTED)
      // The task runs in the runner, the command's one child process.
      expect(childrenOf(cli)).toEqual([Number(pid)])
      const run = [cli, ...descendantsOf(cli)]

      child.kill('SIGINT')
      await waitForStderr(child, /holding the main thread/)
      const signalled = performance.now()
      const exited = exitTime(child)
      child.kill('SIGINT')
      const { stderr, ...exit } = await result
      expect(exit).toEqual({ code: 130, signal: null, stdout: '' })
      expect(stderr).toMatch(/stopped at once.*SIGINT/)
      expect((await exited) - signalled).toBeLessThan(2_000)
      expect(await comesTrue(() => !run.some(isAlive), 1_000)).toBe(true)
    })
  })

  it('SIGTERM: the run has 5 s to stop, then is killed: exit 143, nothing left', async () => {
    const child = start(['run', 'spin.ts', '-e', 'inline'])
    const cli = child.pid!
    const result = finished(child)
    await waitForStderr(child, STARTED)
    const run = [cli, ...descendantsOf(cli)]

    const signalled = performance.now()
    const exited = exitTime(child)
    child.kill('SIGTERM')
    const { stderr, ...exit } = await result
    expect(exit).toEqual({ code: 143, signal: null, stdout: '' })
    expect(stderr).toMatch(/stopped at once.*SIGTERM/)
    const took = (await exited) - signalled
    expect(took).toBeGreaterThan(4_500)
    expect(took).toBeLessThan(10_000)
    expect(await comesTrue(() => !run.some(isAlive), 1_000)).toBe(true)
  })

  it('SIGTSTP (Ctrl-Z) stops the command and the run with it; SIGCONT (fg) continues both', async () => {
    const child = start(['run', 'spin.ts', '-e', 'inline'])
    const cli = child.pid!
    const result = finished(child)
    const runner = Number((await waitForStderr(child, STARTED))[1])

    child.kill('SIGTSTP')
    expect(await comesTrue(() => stateOf(cli) === 'T' && stateOf(runner) === 'T', 2_000)).toBe(true)
    child.kill('SIGCONT')
    expect(await comesTrue(() => stateOf(cli) !== 'T' && stateOf(runner) !== 'T', 2_000)).toBe(true)
    child.kill('SIGINT')
    await waitForStderr(child, /holding the main thread/)
    child.kill('SIGINT')
    expect(await result).toMatchObject({ code: 130, signal: null })
  })
})

describe.skipIf(!HAS_PROC)('processes of a run, when a process of it is killed', () => {
  it('SIGKILL of the command: the runner and its worker processes end too', async () => {
    const child = start(['run', 'spin.ts', '-e', 'processes', '--workers', '2'])
    const cli = child.pid!
    const result = finished(child)
    const [, first, second] = await waitForStderr(
      child,
      /spin: task started in pid (\d+)[^]*spin: task started in pid (\d+)/,
    )
    const run = descendantsOf(cli)
    try {
      const [runner] = childrenOf(cli)
      expect(run).toEqual(expect.arrayContaining([runner, Number(first), Number(second)]))

      child.kill('SIGKILL')
      expect(await result).toMatchObject({ code: null, signal: 'SIGKILL' })
      // The runner's watcher thread checks for its parent every 200 ms, busy tasks or not.
      expect(await comesTrue(() => !run.some(isAlive), 2_000)).toBe(true)
    } finally {
      killLeftovers(run)
    }
  })

  // crash-with-child.ts: the task starts a child process that runs for ever, writes
  // "crash-with-child: pid N started child M", then kills its own process with SIGKILL.
  it('SIGKILL of the runner by a task: the command dies of SIGKILL too, and the child the task started ends', async () => {
    const { stderr, ...exit } = await finished(
      start(['run', 'crash-with-child.ts', '-e', 'inline']),
    )
    expect(exit).toEqual({ code: null, signal: 'SIGKILL', stdout: '' })
    const leftover = Number(/started child (\d+)/.exec(stderr)?.[1])
    try {
      expect(await comesTrue(() => !isAlive(leftover), 2_000)).toBe(true)
    } finally {
      killLeftovers([leftover])
    }
  })
})

// A Ctrl-C while the trace and report were written (seconds, for a big run) was answered
// by "a task is holding the main thread": the runner now says what it writes, the run
// over, on the pipe its supervisor reads (supervisor/run-ended.ts), and the hint says so.
describe('what the runner tells its supervisor', () => {
  afterEach(cleanUp)

  it('that it writes the result, then the trace and the report, then the one still being written, once the run is over, then its exit code', async () => {
    const dir = await makeTempDir()
    const runner = spawn(
      process.execPath,
      [CLI, 'run', 'sum.ts', '--trace', join(dir, 't.json'), '--report', join(dir, 'r.html')],
      {
        cwd: fixture('.'),
        stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
        env: { ...process.env, TASKGRAPH_SUPERVISED: String(process.pid), TASKGRAPH_END_FD: '3' },
      },
    )
    let told = ''
    ;(runner.stdio[3] as Readable)
      .setEncoding('utf8')
      .on('data', (chunk: string) => (told += chunk))
    // Its fourth stream makes it a ChildProcess to the types; its first three are a CLI's.
    const cli = runner as unknown as Parameters<typeof finished>[0]
    const { code, stdout } = await finished(killOnCleanup(cli))
    expect({ code, stdout: stdout.trim() }).toEqual({ code: 0, stdout: '5' })
    const lines = told.split('\n').filter((line) => !line.startsWith('temporary '))
    // The trace and the report are written at once: the first done leaves the other named.
    const left = lines[2] === 'writing "the trace"' ? 'the trace' : 'the report'
    expect(lines).toEqual([
      'writing "the result"',
      'writing "the trace and the report"',
      `writing "${left}"`,
      '0',
      '',
    ])
  })
})

describe.skipIf(!HAS_PROC)('where a run runs', () => {
  it('in a child process of the command, with global options before `run` too', async () => {
    const child = start(['--log-level', 'warn', 'run', 'spin.ts', '-e', 'inline'])
    const [, pid] = await waitForStderr(child, STARTED)
    expect(childrenOf(child.pid!)).toEqual([Number(pid)])
    killTree(child.pid!)
  })

  it('TASKGRAPH_NO_SUPERVISOR=1: in the command itself', async () => {
    const child = start(['run', 'spin.ts', '-e', 'inline'], {
      env: { TASKGRAPH_NO_SUPERVISOR: '1' },
    })
    const [, pid] = await waitForStderr(child, STARTED)
    expect(Number(pid)).toBe(child.pid)
    killTree(child.pid!)
  })
})
