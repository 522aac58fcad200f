import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { fixture, runCli } from './helpers/run-cli.js'

// A wrong command line exits 2 before the workflow runs: stdout stays empty (sum.ts
// would print 5) and stderr names what was wrong.
describe.concurrent('usage errors exit 2', () => {
  it.each([
    { case: 'an unknown option', args: ['run', 'sum.ts', '--bogus'], named: '--bogus' },
    {
      case: 'an unknown --executor',
      args: ['run', 'sum.ts', '--executor', 'gpu'],
      named: 'gpu',
    },
    {
      case: '--concurrency 0',
      args: ['run', 'sum.ts', '--concurrency', '0'],
      named: '--concurrency',
    },
    { case: '--concurrency abc', args: ['run', 'sum.ts', '--concurrency', 'abc'], named: 'abc' },
    { case: '--concurrency 1.5', args: ['run', 'sum.ts', '-c', '1.5'], named: '1.5' },
    { case: 'no workflow file', args: ['run'], named: 'file' },
    { case: 'two workflow files', args: ['run', 'sum.ts', 'sum.mjs'], named: 'run' },
    {
      case: '--concurrency with the inline executor',
      args: ['run', 'sum.ts', '--executor', 'inline', '--concurrency', '4'],
      named: '--concurrency',
    },
    { case: 'an unknown command', args: ['walk', 'sum.ts'], named: 'walk' },
    { case: 'an unknown --rankdir', args: ['visualize', 'sum.ts', '--rankdir', 'UP'], named: 'UP' },
    { case: 'an unknown --format', args: ['visualize', 'sum.ts', '--format', 'png'], named: 'png' },
    { case: 'no workflow file for visualize', args: ['visualize'], named: 'file' },
    {
      case: 'a worker --reconnect-timeout that is not a whole number',
      args: ['worker', '--cluster', 'redis://127.0.0.1:1', '--reconnect-timeout', '1.5'],
      named: 'from 0 (wait for ever) to 2147483647',
    },
    {
      case: 'an empty --cache (the working directory would fill with its files)',
      args: ['run', 'sum.ts', '--cache', ''],
      named: 'an empty path',
    },
    // They ran the workflow, then failed to write the working directory (exit 4).
    {
      case: 'an empty --trace',
      args: ['run', 'sum.ts', '--trace', ''],
      named: '--trace is empty; give the path of a file to write',
    },
    {
      case: 'a --report ending in / (a directory, even one not made yet)',
      args: ['run', 'sum.ts', '--report', 'made-later/'],
      named: '--report names made-later/, a directory',
    },
    {
      case: 'a --trace of "-" (it wrote a file named "-")',
      args: ['run', 'sum.ts', '--trace', '-'],
      named: 'is not taken for standard output here',
    },
    {
      case: 'an empty -o for visualize',
      args: ['visualize', 'sum.ts', '-o', '', '--format', 'svg'],
      named: '-o is empty',
    },
    // It read the working directory as the trace, and said it could not (exit 3).
    {
      case: 'an empty --trace for visualize',
      args: ['visualize', 'sum.ts', '--color', 'status', '--trace', ''],
      named: 'taskgraph visualize: --trace is empty; give the path of a trace',
    },
    // Its value is optional: the file was read as the port, and the message said no more.
    {
      case: '--dashboard before the workflow file',
      args: ['run', '--dashboard', 'sum.ts'],
      named: 'give the port with --dashboard=PORT, or put --dashboard after the file',
    },
    // It wrote DOT into graph.svg, which no browser opens.
    {
      case: 'a --format other than the one -o names',
      args: ['visualize', 'sum.ts', '-o', 'graph.svg', '--format', 'dot'],
      named: 'but --format is dot',
    },
    {
      case: 'a worker --name with a space',
      args: ['worker', '--cluster', 'redis://127.0.0.1:1', '--name', 'gpu box'],
      named: 'no spaces or control characters',
    },
    {
      case: 'a worker --lease under a second (it would lapse while the worker lives)',
      args: ['worker', '--cluster', 'redis://127.0.0.1:1', '--lease', '10'],
      named: 'from 1000 (a shorter lease lapses while the worker renews it',
    },
    {
      case: 'a run --reconnect-timeout of 0 (a run always gives up)',
      args: ['run', 'sum.ts', '--cluster', 'redis://127.0.0.1:1', '--reconnect-timeout', '0'],
      named: 'from 1 to 2147483647',
    },
    {
      case: 'a run --max-stored-bytes of 0',
      args: ['run', 'sum.ts', '--cluster', 'redis://127.0.0.1:1', '--max-stored-bytes', '0'],
      named: 'at least 1 byte',
    },
    {
      case: 'a run --max-stored-bytes that is not a size',
      args: ['run', 'sum.ts', '--cluster', 'redis://127.0.0.1:1', '--max-stored-bytes', 'lots'],
      named: 'a size such as 500MB',
    },
    {
      case: 'an empty --cluster',
      args: ['run', 'sum.ts', '--cluster', ''],
      named: 'taskgraph run: --cluster is empty; give the Redis URL',
    },
    {
      case: 'an empty worker --store',
      args: ['worker', '--cluster', 'redis://127.0.0.1:1', '--store', ''],
      named: 'taskgraph worker: --store is empty; give the directory every machine mounts',
    },
    {
      case: 'an unknown --log-level',
      args: ['--log-level', 'loud', 'run', 'sum.ts'],
      named: 'loud',
    },
  ])('$case', async ({ args, named }) => {
    const result = await runCli(args)
    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toContain(named)
  })

  // As docs/cli.md says of the variables, which flags must agree with: TASKGRAPH_WORKERS=0x2
  // is a usage error, so --workers 0x2 is one too.
  it.each(
    [
      ['run', 'sum.ts', '-e', 'threads', '--workers', '0x2'],
      ['run', 'sum.ts', '-e', 'threads', '--workers', ' 2'],
      ['run', 'sum.ts', '-e', 'threads', '--start-timeout', '6e4'],
      ['run', 'sum.ts', '--retries', '1e2'],
      ['run', 'sum.ts', '--retries', '99999999999999999999'],
      ['run', 'sum.ts', '--concurrency', '99999999999999999999'],
      ['run', 'sum.ts', '--timeout', '0x10'],
      ['run', 'sum.ts', '--dashboard=0x50'],
      ['run', 'sum.ts', '--cluster', 'redis://127.0.0.1:1', '--reconnect-timeout', '3e4'],
      ['worker', '--cluster', 'redis://127.0.0.1:1', '--threads', '0x2'],
      ['worker', '--cluster', 'redis://127.0.0.1:1', '--lease', '3e4'],
      ['worker', '--cluster', 'redis://127.0.0.1:1', '--reconnect-timeout', '-1'],
      ['visualize', 'sum.ts', '--group-above', '1e2'],
    ].map((args) => ({ args, line: args.join(' ') })),
  )('a numeric flag in other than decimal digits: $line', async ({ args }) => {
    const result = await runCli(args)
    expect(result).toMatchObject({ code: 2, stdout: '' })
    expect(result.stderr).toMatch(/^taskgraph: error: .*in decimal digits\.\n$/)
  })

  it('no command prints the help on stderr', async () => {
    const result = await runCli([])
    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toMatch(/^Usage: taskgraph /)
  })

  it('--help prints the help on stdout and exits 0', async () => {
    const result = await runCli(['run', '--help'])
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(result.stdout).toMatch(/^Usage: taskgraph run /)
    expect(result.stdout).toContain('--keep-going')
    // Each extension a workflow may have.
    expect(result.stdout).toContain('workflow module (.ts, .mts, .js, .mjs, .cjs)')
  })

  it("a command's --help lists the global options it takes, after its own", async () => {
    for (const command of ['run', 'visualize', 'worker', 'cache']) {
      const { stdout } = await runCli([command, '--help'])
      const global = stdout.slice(stdout.indexOf('\nGlobal Options:\n'))
      expect(global).toMatch(/^\s+--log-level <level>/m)
      expect(global).toMatch(/^\s+--verbose/m)
    }
  })

  it('--version prints the version of the package', async () => {
    const { version } = (await import('../package.json', { with: { type: 'json' } })).default
    const result = await runCli(['--version'])
    expect(result).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' })
  })
})

// On a Node older than taskgraph supports its modules fail to link (node:zlib has no
// crc32 before 20.15), which read as an internal error of taskgraph's. Node 18, from the
// npm registry as CI's other Node versions are, runs the command as a user's would.
it('a Node older than taskgraph supports: exit 2 naming it, before anything loads', async () => {
  const found = spawnSync('npx', ['--yes', 'node@18', '-p', 'process.execPath'], {
    encoding: 'utf8',
    timeout: 120_000,
  })
  const node18 = found.stdout?.trim()
  expect(found.status, found.stderr).toBe(0)
  const bin = fileURLToPath(new URL('../bin/taskgraph.js', import.meta.url))
  const child = spawn(node18, [bin, 'run', fixture('sum.ts')])
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const [status] = (await once(child, 'close')) as [number | null]
  expect(stdout).toBe('')
  expect(stderr).toMatch(
    /^taskgraph: error: Node v18\.\d+\.\d+ is not supported \(ERR_UNSUPPORTED_NODE\): taskgraph runs on Node 20\.19 or later, 22\.12 or later, or 24\. [^\n]*\n$/,
  )
  expect(status).toBe(2)
}, 150_000)
