import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { logEntries, reportOf } from './helpers/output.js'
import { killOnCleanup, killStrays } from './helpers/processes.js'
import { finished, fixture, runCli, startCli, type CliResult } from './helpers/run-cli.js'
import { cleanUp, makeTempDir } from './helpers/temp-dirs.js'

afterAll(async () => {
  killStrays()
  await cleanUp()
})

// Each option of `taskgraph run` comes from its flag, else its TASKGRAPH_* variable, else
// its default. Every case runs the built command with the variables set.

/** `taskgraph run` with `variables` set; `--log-level debug` shows what the run did. */
function runWith(variables: Record<string, string>, args: readonly string[]): Promise<CliResult> {
  return runCli(['--log-level', 'debug', 'run', ...args], { env: variables })
}

/** Variables and flags of one case of a table. */
interface Case {
  readonly variables: Record<string, string>
  readonly flags: readonly string[]
}

/** The executor named by the log's "run started" entry. */
function executorOf(result: CliResult): string | undefined {
  expect(result).toMatchObject({ code: 0 })
  const started = logEntries(result.stderr).find(({ msg }) => msg === 'run started') as
    { executor?: string } | undefined
  return started?.executor
}

describe.concurrent('TASKGRAPH_EXECUTOR', () => {
  it.each<Case & { executor: string }>([
    { variables: { TASKGRAPH_EXECUTOR: 'inline' }, flags: [], executor: 'inline' },
    { variables: { TASKGRAPH_EXECUTOR: 'threads' }, flags: [], executor: 'threads' },
    { variables: { TASKGRAPH_EXECUTOR: 'inline' }, flags: ['-e', 'async'], executor: 'async' },
    { variables: { TASKGRAPH_EXECUTOR: '' }, flags: [], executor: 'async' },
    { variables: {}, flags: [], executor: 'async' },
  ])('$variables with $flags runs on $executor', async ({ variables, flags, executor }) => {
    expect(executorOf(await runWith(variables, ['sum.ts', ...flags]))).toBe(executor)
  })
})

describe.concurrent('TASKGRAPH_CONCURRENCY', () => {
  // concurrency.ts runs four async tasks of 250 ms that could all overlap, and returns the
  // most that were in flight at once.
  it.each<Case & { maxInFlight: number }>([
    { variables: { TASKGRAPH_CONCURRENCY: '2' }, flags: [], maxInFlight: 2 },
    { variables: { TASKGRAPH_CONCURRENCY: '2' }, flags: ['-c', '3'], maxInFlight: 3 },
    { variables: { TASKGRAPH_CONCURRENCY: '2' }, flags: ['-e', 'inline'], maxInFlight: 1 },
    {
      variables: { TASKGRAPH_CONCURRENCY: '2', TASKGRAPH_EXECUTOR: 'inline' },
      flags: [],
      maxInFlight: 1,
    },
  ])('$variables with $flags: at most $maxInFlight at once', async (each) => {
    const result = await runCli(['run', 'concurrency.ts', '--json', ...each.flags], {
      env: each.variables,
    })
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(JSON.parse(result.stdout)).toEqual({ ids: [1, 2, 3, 4], maxInFlight: each.maxInFlight })
  })

  it('does not apply to a pool executor', async () => {
    const result = await runCli(['run', 'sum.ts', '-e', 'threads'], {
      env: { TASKGRAPH_CONCURRENCY: '2' },
    })
    expect(result).toMatchObject({ code: 0, stdout: '5\n', stderr: '' })
  })
})

describe.concurrent('TASKGRAPH_WORKERS and TASKGRAPH_START_TIMEOUT', () => {
  // meet.ts: four synchronous tasks wait until as many workers as meet.txt says have
  // checked in. A worker runs one at a time, so N distinct workers prove a pool of at
  // least N, and at most N distinct workers among four tasks prove it has no more.
  it.each<Case & { workers: number }>([
    { variables: { TASKGRAPH_WORKERS: '2' }, flags: ['-e', 'threads'], workers: 2 },
    { variables: { TASKGRAPH_WORKERS: '1' }, flags: ['-e', 'processes', '-w', '2'], workers: 2 },
    {
      variables: { TASKGRAPH_WORKERS: '2', TASKGRAPH_EXECUTOR: 'processes' },
      flags: [],
      workers: 2,
    },
  ])('$variables with $flags runs on $workers workers', async ({ variables, flags, workers }) => {
    const cwd = await makeTempDir()
    await writeFile(join(cwd, 'meet.txt'), String(workers))
    const child = killOnCleanup(
      startCli(['run', fixture('meet.ts'), '--json', ...flags], { cwd, env: variables }),
    )
    const result = await finished(child)
    expect(result).toMatchObject({ code: 0, stderr: '' })
    const tasks = JSON.parse(result.stdout) as { worker: string }[]
    expect(new Set(tasks.map(({ worker }) => worker)).size).toBe(workers)
  })

  // stuck-in-workers.ts never loads in a worker: only the start timeout ends the run.
  it.each<Case>([
    { variables: { TASKGRAPH_START_TIMEOUT: '3000' }, flags: [] },
    { variables: { TASKGRAPH_START_TIMEOUT: '2147483647' }, flags: ['--start-timeout', '3000'] },
  ])('$variables with $flags: the workers fail to start in time', async (each) => {
    const child = killOnCleanup(
      startCli(['run', 'stuck-in-workers.ts', '-e', 'threads', '-w', '1', ...each.flags], {
        env: each.variables,
      }),
    )
    const result = await finished(child)
    expect(result).toMatchObject({ code: 1, stdout: '' })
    const lines = reportOf(result.stderr)
      .split('\n')
      .filter((line) => line.startsWith('taskgraph: '))
    expect(lines).toEqual([expect.stringMatching(/^taskgraph: error: /)])
  })

  it.each(['inline', 'async'])('do not apply to the %s executor', async (executor) => {
    const result = await runCli(['run', 'sum.ts', '-e', executor], {
      env: { TASKGRAPH_WORKERS: '2', TASKGRAPH_START_TIMEOUT: '1000' },
    })
    expect(result).toMatchObject({ code: 0, stdout: '5\n', stderr: '' })
  })
})

describe.concurrent('TASKGRAPH_RETRIES and TASKGRAPH_TIMEOUT', () => {
  // throw-string.ts has one task, which always fails: the log shows each retry.
  it.each<Case & { retries: number }>([
    { variables: { TASKGRAPH_RETRIES: '2' }, flags: [], retries: 2 },
    { variables: { TASKGRAPH_RETRIES: '2' }, flags: ['--retries', '1'], retries: 1 },
    { variables: { TASKGRAPH_RETRIES: '' }, flags: [], retries: 0 },
  ])('$variables with $flags: $retries retries', async ({ variables, flags, retries }) => {
    const result = await runWith(variables, ['throw-string.ts', '-e', 'inline', ...flags])
    expect(result).toMatchObject({ code: 1, stdout: '' })
    const retried = logEntries(result.stderr).filter(({ msg }) => msg === 'task retried')
    expect(retried).toHaveLength(retries)
  })

  // sleep-long.ts has one task of 20 s: it fails with the time limit the run gave it.
  it.each<Case & { timeoutMs: number }>([
    { variables: { TASKGRAPH_TIMEOUT: '300' }, flags: [], timeoutMs: 300 },
    { variables: { TASKGRAPH_TIMEOUT: '300' }, flags: ['--timeout', '400'], timeoutMs: 400 },
  ])('$variables with $flags: a timeout of $timeoutMs ms', async (each) => {
    const result = await runWith(each.variables, ['sleep-long.ts', ...each.flags])
    expect(result).toMatchObject({ code: 1, stdout: '' })
    const failed = logEntries(result.stderr).filter(({ msg }) => msg === 'task failed')
    expect(failed.map(({ err }) => [err?.code, err?.timeoutMs])).toEqual([
      ['ERR_TASK_TIMEOUT', each.timeoutMs],
    ])
  })
})

describe.concurrent('TASKGRAPH_TYPESCRIPT', () => {
  it('is not refused for spaces around tsx, as no variable is', async () => {
    const result = await runCli(['run', 'sum.ts', '--log-level', 'debug'], {
      env: { TASKGRAPH_TYPESCRIPT: ' tsx ' },
    })
    expect(result).toMatchObject({ code: 0, stdout: '5\n' })
  })
})

describe.concurrent('TASKGRAPH_LOG_LEVEL', () => {
  it('sets the log level when --log-level is not given', async () => {
    const result = await runCli(['run', 'sum.ts'], { env: { TASKGRAPH_LOG_LEVEL: 'debug' } })
    expect(result).toMatchObject({ code: 0, stdout: '5\n' })
    expect(logEntries(result.stderr).map(({ msg }) => msg)).toContain('run finished')
  })

  it('--log-level comes first', async () => {
    const result = await runCli(['--log-level', 'warn', 'run', 'sum.ts'], {
      env: { TASKGRAPH_LOG_LEVEL: 'debug' },
    })
    expect(result).toMatchObject({ code: 0, stdout: '5\n', stderr: '' })
  })
})

// A bad variable is a usage error, like a bad flag: exit 2 before the workflow runs (sum.ts
// would print 5), one line on stderr naming the variable and its value.
describe.concurrent('bad values are usage errors (exit 2)', () => {
  it.each([
    { name: 'TASKGRAPH_EXECUTOR', value: 'gpu' },
    { name: 'TASKGRAPH_CONCURRENCY', value: '0' },
    { name: 'TASKGRAPH_WORKERS', value: 'abc' },
    { name: 'TASKGRAPH_WORKERS', value: '100000' },
    { name: 'TASKGRAPH_START_TIMEOUT', value: '1.5' },
    { name: 'TASKGRAPH_RETRIES', value: '-1' },
    { name: 'TASKGRAPH_TIMEOUT', value: '9999999999' },
    { name: 'TASKGRAPH_LOG_LEVEL', value: 'loud' },
    // Only `tsx` means anything: any other value meant type stripping, where Node has it.
    { name: 'TASKGRAPH_TYPESCRIPT', value: 'TSX' },
  ])('$name=$value', async ({ name, value }) => {
    const result = await runCli(['run', 'sum.ts'], { env: { [name]: value } })
    expect(result).toMatchObject({ code: 2, stdout: '' })
    expect(result.stderr).toMatch(/^taskgraph: error: [^\n]*\n$/)
    expect(result.stderr).toContain(name)
    expect(result.stderr).toContain(value)
  })

  it('a flag does not make up for a bad variable', async () => {
    const result = await runCli(['run', 'sum.ts', '-e', 'threads', '-w', '2'], {
      env: { TASKGRAPH_WORKERS: 'abc' },
    })
    expect(result).toMatchObject({ code: 2, stdout: '' })
    expect(result.stderr).toContain('TASKGRAPH_WORKERS')
  })

  it.each([
    { name: 'TASKGRAPH_CACHE', value: 'sum.ts', args: ['run', 'sum.ts', '--cache', 'cache-dir'] },
    {
      name: 'TASKGRAPH_CACHE',
      value: 'sum.ts',
      args: ['cache', 'ls', '--cache', 'cache-dir'],
    },
    {
      name: 'TASKGRAPH_CLUSTER',
      value: 'http://example.com',
      args: ['run', 'sum.ts', '--cluster', 'redis://127.0.0.1:1'],
    },
    {
      name: 'TASKGRAPH_STORE',
      value: '/mnt/shared',
      args: ['run', 'sum.ts', '--cluster', 'redis://127.0.0.1:1', '--store', 'file:///tmp'],
    },
  ])('a flag does not make up for a bad $name either ($args.0)', async ({ name, value, args }) => {
    const result = await runCli(args, { env: { [name]: value } })
    expect(result).toMatchObject({ code: 2, stdout: '' })
    expect(result.stderr).toMatch(/^taskgraph: error: [^\n]*\n$/)
    expect(result.stderr).toContain(`${name}`)
    expect(result.stderr).toContain(value)
  })

  it.each<Case & { named: string }>([
    { variables: { TASKGRAPH_EXECUTOR: 'threads' }, flags: ['-c', '2'], named: '--concurrency' },
    { variables: { TASKGRAPH_EXECUTOR: 'async' }, flags: ['-w', '2'], named: '--workers' },
    { variables: { TASKGRAPH_EXECUTOR: 'inline' }, flags: ['-c', '2'], named: '--concurrency' },
  ])(
    'a flag that does not fit the executor $variables chose',
    async ({ variables, flags, named }) => {
      const result = await runCli(['run', 'sum.ts', ...flags], { env: variables })
      expect(result).toMatchObject({ code: 2, stdout: '' })
      expect(result.stderr).toMatch(/^taskgraph: error: [^\n]*\n$/)
      expect(result.stderr).toContain(named)
      expect(result.stderr).toContain('TASKGRAPH_EXECUTOR')
    },
  )

  it('other commands do not read them', async () => {
    const result = await runCli(['visualize', 'sum.ts'], {
      env: { TASKGRAPH_WORKERS: 'abc', TASKGRAPH_LOG_LEVEL: 'loud' },
    })
    expect(result).toMatchObject({ code: 0, stderr: '' })
  })
})

describe.concurrent('help', () => {
  it('run --help names the variable of each option', async () => {
    const result = await runCli(['run', '--help'])
    expect(result).toMatchObject({ code: 0, stderr: '' })
    const named = [...result.stdout.matchAll(/TASKGRAPH_[A-Z_]+/g)].map(([name]) => name)
    expect([...new Set(named)]).toEqual([
      'TASKGRAPH_EXECUTOR',
      'TASKGRAPH_CONCURRENCY',
      'TASKGRAPH_WORKERS',
      'TASKGRAPH_RETRIES',
      'TASKGRAPH_TIMEOUT',
      'TASKGRAPH_START_TIMEOUT',
      'TASKGRAPH_CLUSTER',
      'TASKGRAPH_STORE',
      'TASKGRAPH_CACHE',
      'TASKGRAPH_LOG_LEVEL',
    ])
  })

  it('--help names the variable of --log-level', async () => {
    const result = await runCli(['--help'])
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(result.stdout).toContain('TASKGRAPH_LOG_LEVEL')
  })
})
