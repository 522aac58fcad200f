// Runs the suites that lean on the runtime on the other Node versions taskgraph supports
// (the whole suite runs on the machine's own Node with `pnpm test`): the scheduler and
// patterns suites, the CLI's tests of what differs between Node versions, the cluster's
// main file and the cache's suite. Each version comes from the npm registry through
// `npx node@<version>`: official builds, cached after the first run. Run from the
// repository root after `pnpm build`: `pnpm test:node`.
//
// The CLI's files here are those that lean on the runtime: loading TypeScript flows (type
// stripping or tsx), pools of threads and processes, signals, unhandled rejections and
// stalled promises, stack traces in error reports. Packaging, terminal drawing and the
// cluster's fault suites run on Node 20 only. Which loader runs a TypeScript flow differs
// between 22 and 24, so its file runs on both; every other suite runs on one of the two,
// split so that each version's share takes about as long (Node 22 and 24 differ little
// in what the rest leans on: worker threads, child processes, signals, V8 serialization,
// crypto), which halves this step of CI. The two versions run side by side, each its
// suites one after another: two suites at once load a machine as `pnpm test` does (turbo
// runs two packages' suites at once); all of them at once load a 2-core machine enough
// to break the timed checks (exit within 2 s of Ctrl-C).
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const VERSIONS = ['22', '24']
const ROOT = fileURLToPath(new URL('..', import.meta.url))
const VITEST = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url))
// `only`: the version a suite runs on, when not both. Which loader runs TypeScript (type
// stripping or tsx) depends on the version: that file is in the CLI's share of both, as
// is the terminal that hangs up (Node 20 aborts restoring it; later ones do not).
const SUITES = [
  { dir: 'packages/scheduler', args: [], only: '24' },
  { dir: 'packages/patterns', args: [], only: '22' },
  {
    dir: 'apps/cli',
    args: [
      'test/typescript-loaders.test.ts',
      'test/faults.test.ts',
      'test/signals.test.ts',
      'test/hung-up-terminal.test.ts',
    ],
    only: '24',
  },
  {
    dir: 'apps/cli',
    args: [
      'test/typescript-loaders.test.ts',
      'test/run.test.ts',
      'test/pool-executors.test.ts',
      'test/pool-signals.test.ts',
      'test/signal-moments.test.ts',
      'test/supervisor.test.ts',
      'test/error-reports.test.ts',
      'test/outside-project.test.ts',
      'test/hung-up-terminal.test.ts',
    ],
    only: '22',
  },
  // A cluster of real workers on a real redis-server: runs, faults, cancellation.
  { dir: 'packages/cluster', args: ['test/cluster.test.ts'], only: '24' },
  // The result cache: hashing, checksums and files, from Node's own APIs.
  { dir: 'packages/cache', args: [], only: '22' },
]

/**
 * What a failed suite's output says of its failures: each failed test's header and the
 * first lines of its error. CI keeps only the end of what it prints, and a suite's own
 * account may be pages before it: this is printed again last.
 */
function failuresOf(output) {
  // eslint-disable-next-line no-control-regex -- terminal colours are ESC sequences
  const lines = output.replace(/\x1b\[[0-9;]*m/g, '').split('\n')
  const kept = []
  for (let i = 0; i < lines.length && kept.length < 60; i++) {
    if (/^\s*FAIL\s/.test(lines[i])) kept.push(...lines.slice(i, i + 8))
  }
  return kept.join('\n')
}

/**
 * Runs one suite on Node `version`; resolves once its output is printed with its exit
 * status, and what it said of its failures.
 */
function runSuite(version, suite) {
  return new Promise((resolve) => {
    const child = spawn('npx', ['--yes', `node@${version}`, VITEST, 'run', ...suite.args], {
      cwd: new URL(suite.dir, `file://${ROOT}/`),
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CI: '1' },
    })
    const output = []
    child.stdout.on('data', (chunk) => output.push(chunk))
    child.stderr.on('data', (chunk) => output.push(chunk))
    child.on('close', (status) => {
      process.stdout.write(`\n— ${suite.dir} on Node ${version}\n`)
      const printed = Buffer.concat(output)
      process.stdout.write(printed)
      resolve({ status: status ?? 1, failures: status === 0 ? '' : failuresOf(String(printed)) })
    })
  })
}

/** Fetches Node `version` (once; npx caches it), then runs its suites one after another. */
async function runVersion(version) {
  const fetched = await new Promise((resolve) => {
    const child = spawn('npx', ['--yes', `node@${version}`, '--version'], { stdio: 'inherit' })
    child.on('close', resolve)
  })
  if (fetched !== 0) return [`Node ${version} could not be fetched`]
  const problems = []
  for (const suite of SUITES) {
    if (suite.only !== undefined && suite.only !== version) continue
    const { status, failures } = await runSuite(version, suite)
    if (status !== 0) problems.push(`${suite.dir} failed on Node ${version}:\n${failures}`)
  }
  return problems
}

const problems = (await Promise.all(VERSIONS.map(runVersion))).flat()
for (const problem of problems) console.error(problem)
process.exit(problems.length > 0 ? 1 : 0)
