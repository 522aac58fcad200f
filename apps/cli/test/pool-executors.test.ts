import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { killOnCleanup, killStrays } from './helpers/processes.js'
import { finished, fixture, runCli, startCli } from './helpers/run-cli.js'
import { cleanUp, makeTempDir } from './helpers/temp-dirs.js'

afterAll(async () => {
  killStrays()
  await cleanUp()
})

/** Where a task ran: its process, that process's parent, and its thread (0: main thread). */
interface Place {
  readonly pid: number
  readonly ppid: number
  readonly threadId: number
}

/**
 * Fails unless `place` is a worker of the run of the CLI whose process id is `cli`. The
 * CLI runs the workflow in a child process, the runner, which starts the pool.
 */
function expectWorkerOf(cli: number | undefined, executor: string, place: Place): void {
  if (executor === 'threads') {
    // A worker thread of the runner.
    expect(place.ppid).toBe(cli)
    expect(place.threadId).not.toBe(0)
  } else {
    // A process of its own, started by the runner: neither the CLI nor the runner.
    expect(place.pid).not.toBe(cli)
    expect(place.ppid).not.toBe(cli)
  }
}

describe.concurrent.each(['threads', 'processes'] as const)(
  'taskgraph run --executor %s',
  (executor) => {
    // parallel.ts counts the primes below 10 ... 100 000 in five tasks whose functions come
    // from a local TypeScript module; each result also says where it was computed.
    it('computes a TypeScript workflow importing a local TypeScript helper, in workers', async () => {
      const child = killOnCleanup(
        startCli(['run', 'parallel.ts', '--executor', executor, '--json']),
      )
      const result = await finished(child)
      // No warning either: every task function was found in the workers.
      expect(result).toMatchObject({ code: 0, stderr: '' })
      const tasks = JSON.parse(result.stdout) as ({ limit: number; primes: number } & Place)[]
      expect(tasks.map(({ limit, primes }) => [limit, primes])).toEqual([
        [10, 4],
        [100, 25],
        [1_000, 168],
        [10_000, 1_229],
        [100_000, 9_592],
      ])
      for (const place of tasks) expectWorkerOf(child.pid, executor, place)
    })

    // environment.ts: a task returns the variable TASKGRAPH_TEST_SETTING and whether PATH is set.
    it('runs tasks in workers that see the environment the CLI was started with', async () => {
      const child = killOnCleanup(
        startCli(['run', 'environment.ts', '-e', executor, '--json'], {
          env: { TASKGRAPH_TEST_SETTING: 'set by the test' },
        }),
      )
      const result = await finished(child)
      expect(result).toMatchObject({ code: 0, stderr: '' })
      const task = JSON.parse(result.stdout) as { value: string | null; hasPath: boolean } & Place
      expect(task).toMatchObject({ value: 'set by the test', hasPath: true })
      expectWorkerOf(child.pid, executor, task)
    })

    // meet.ts: four synchronous tasks wait until as many workers as meet.txt says have
    // checked in. A worker runs one at a time, so N distinct workers prove a pool of at
    // least N, and at most N distinct workers among four tasks prove it has no more.
    it.each([1, 2, 3])('--workers %i runs the tasks on that many workers', async (workers) => {
      const cwd = await makeTempDir()
      await writeFile(join(cwd, 'meet.txt'), String(workers))
      const child = killOnCleanup(
        startCli(
          ['run', fixture('meet.ts'), '-e', executor, '--workers', String(workers), '--json'],
          { cwd },
        ),
      )
      const result = await finished(child)
      expect(result).toMatchObject({ code: 0, stderr: '' })
      const tasks = JSON.parse(result.stdout) as ({ id: number; worker: string } & Place)[]
      expect(tasks.map(({ id }) => id)).toEqual([1, 2, 3, 4])
      expect(new Set(tasks.map(({ worker }) => worker)).size).toBe(workers)
      for (const place of tasks) expectWorkerOf(child.pid, executor, place)
    })
  },
)

// A wrong command line exits 2 before the workflow runs: stdout stays empty (sum.ts
// would print 5) and stderr names the option.
describe.concurrent('pool options that are usage errors (exit 2)', () => {
  it.each([
    { case: '--workers 0', args: ['-e', 'threads', '--workers', '0'], named: '--workers' },
    { case: '--workers 1.5', args: ['-e', 'processes', '-w', '1.5'], named: '1.5' },
    // Each worker has its own heap: a typo must not exhaust the machine's memory.
    { case: '--workers 100000', args: ['-e', 'threads', '-w', '100000'], named: '100000' },
    { case: '--workers abc', args: ['-e', 'threads', '-w', 'abc'], named: 'abc' },
    {
      case: '--workers with --executor async',
      args: ['--executor', 'async', '--workers', '2'],
      named: '--workers',
    },
    { case: '--workers with the default executor', args: ['--workers', '2'], named: '--workers' },
    {
      case: '--workers with --executor inline',
      args: ['-e', 'inline', '-w', '1'],
      named: '--workers',
    },
    {
      case: '--concurrency with --executor threads',
      args: ['-e', 'threads', '--concurrency', '4'],
      named: '--concurrency',
    },
    {
      case: '--concurrency with --executor processes',
      args: ['-e', 'processes', '-c', '1'],
      named: '--concurrency',
    },
    { case: '--timeout 0', args: ['-e', 'threads', '--timeout', '0'], named: '--timeout' },
    {
      case: '--timeout beyond what a timer takes',
      args: ['-e', 'threads', '--timeout', '9999999999'],
      named: '--timeout',
    },
    { case: '--retries -1', args: ['-e', 'threads', '--retries', '-1'], named: '--retries' },
  ])('$case', async ({ args, named }) => {
    const result = await runCli(['run', 'sum.ts', ...args])
    expect(result).toMatchObject({ code: 2, stdout: '' })
    expect(result.stderr).toContain(named)
  })
})

// A task's warning is printed as the command prints every warning, as on inline: printed
// by its worker, it came out in Node's form ("(node:1234) [CODE] Warning: ..." and a hint
// about --trace-warnings), and from a thread not at all when the run ended right after.
describe.concurrent.each(['inline', 'threads', 'processes'])(
  "a task's process warning on %s",
  (executor) => {
    it('is one line of the command, each', async () => {
      const workers = executor === 'inline' ? [] : ['--workers', '1']
      const result = await runCli(['run', fixture('warns.ts'), '--executor', executor, ...workers])
      expect(result.code, result.stderr).toBe(0)
      expect(result.stderr.split('\n').filter(Boolean).sort()).toEqual([
        'taskgraph: warning [FLOW_ODD]: first odd thing',
        'taskgraph: warning [FLOW_ODD]: second odd thing',
      ])
    })
  },
)
