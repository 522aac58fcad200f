import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { logEntries, reportOf } from './helpers/output.js'
import { killOnCleanup, killStrays } from './helpers/processes.js'
import { finished, fixture, startCli, type CliOptions, type CliResult } from './helpers/run-cli.js'
import { cleanUp, makeTempDir } from './helpers/temp-dirs.js'

afterAll(async () => {
  killStrays()
  await cleanUp()
})

/** Runs the CLI to its end; killed with its workers after the file if a test gives up on it. */
function run(args: readonly string[], options?: CliOptions): Promise<CliResult> {
  return finished(killOnCleanup(startCli(args, options)))
}

describe.concurrent.each(['threads', 'processes'] as const)(
  'faults on --executor %s',
  (executor) => {
    // forever.ts: task "spin-forever" runs `for (;;) {}`. Only ending its worker stops it:
    // without the timeout the run would never end (the test's timeout is the bound).
    it('--timeout stops a task that never returns: exit 1 with a TimeoutError naming it', async () => {
      const result = await run([
        '--log-level',
        'debug',
        'run',
        'forever.ts',
        '-e',
        executor,
        '--timeout',
        '300',
      ])
      expect(result).toMatchObject({ code: 1, stdout: '' })
      const failed = logEntries(result.stderr).filter(({ msg }) => msg === 'task failed')
      expect(failed).toEqual([
        expect.objectContaining({
          key: 'spin-forever',
          err: expect.objectContaining({
            type: 'TimeoutError',
            code: 'ERR_TASK_TIMEOUT',
            key: 'spin-forever',
            timeoutMs: 300,
          }) as unknown,
        }),
      ])
      const report = reportOf(result.stderr)
      expect(report).toContain('"spin-forever"')
      expect(report).toMatch(/timeout|timed out/i)
    })

    // lose-worker.ts: task "crash" appends where it runs to attempts.txt, then calls
    // process.exit(3) in its worker; the independent "survivor" writes survivor.txt.
    it('--retries 2: a task that ends its worker is tried 3 times, then fails as having lost it; -k runs the rest', async () => {
      const cwd = await makeTempDir()
      const result = await run(
        [
          '--log-level',
          'debug',
          'run',
          fixture('lose-worker.ts'),
          '-e',
          executor,
          '--retries',
          '2',
          '--keep-going',
        ],
        { cwd },
      )
      expect(result).toMatchObject({ code: 1, stdout: '' })
      const attempts = (await readFile(join(cwd, 'attempts.txt'), 'utf8')).trimEnd().split('\n')
      expect(attempts).toHaveLength(3)
      // Each attempt ended its worker, so each ran on a new one.
      expect(new Set(attempts).size).toBe(3)
      const log = logEntries(result.stderr)
      expect(log.filter(({ msg }) => msg === 'task failed')).toEqual([
        expect.objectContaining({
          key: 'crash',
          err: expect.objectContaining({
            type: 'WorkerLostError',
            code: 'ERR_WORKER_LOST',
            key: 'crash',
            attempts: 3,
          }) as unknown,
        }),
      ])
      expect(log.filter(({ msg }) => msg === 'task finished').map(({ key }) => key)).toEqual([
        'survivor',
      ])
      expect(await readFile(join(cwd, 'survivor.txt'), 'utf8')).toBe('survived\n')
      const report = reportOf(result.stderr)
      expect(report).toContain('"crash"')
      expect(report).toMatch(/lost its worker/)
    })

    it('without --retries, a task that ends its worker is tried once', async () => {
      const cwd = await makeTempDir()
      const result = await run(
        ['--log-level', 'debug', 'run', fixture('lose-worker.ts'), '-e', executor, '-k'],
        { cwd },
      )
      expect(result).toMatchObject({ code: 1, stdout: '' })
      expect(
        (await readFile(join(cwd, 'attempts.txt'), 'utf8')).trimEnd().split('\n'),
      ).toHaveLength(1)
      expect(logEntries(result.stderr).filter(({ msg }) => msg === 'task failed')).toEqual([
        expect.objectContaining({
          err: expect.objectContaining({
            type: 'WorkerLostError',
            key: 'crash',
            attempts: 1,
          }) as unknown,
        }),
      ])
    })
  },
)

// kill-process.ts: task "kill-process" sends SIGKILL to its own process, as a crashing
// native addon would end it. Only a worker process can contain that.
describe.concurrent('a task that kills its whole process', () => {
  it('--executor processes: only its worker process dies; the task fails as having lost it', async () => {
    const result = await run(['--log-level', 'debug', 'run', 'kill-process.ts', '-e', 'processes'])
    expect(result).toMatchObject({ code: 1, signal: null, stdout: '' })
    expect(logEntries(result.stderr).filter(({ msg }) => msg === 'task failed')).toEqual([
      expect.objectContaining({
        err: expect.objectContaining({ type: 'WorkerLostError', key: 'kill-process' }) as unknown,
      }),
    ])
  })

  it('--executor threads: the worker thread is in the CLI process, so the CLI dies too', async () => {
    const result = await run(['run', 'kill-process.ts', '-e', 'threads'])
    expect(result).toMatchObject({ code: null, signal: 'SIGKILL', stdout: '' })
  })
})
