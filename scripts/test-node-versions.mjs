// Runs the scheduler, patterns and CLI test suites on the other Node versions taskgraph
// supports (the whole suite runs on the machine's own Node with `pnpm test`). Each version
// comes from the npm registry through `npx node@<version>`: official builds, cached after
// the first run. Run from the repository root after `pnpm build`: `pnpm test:node`.
// A version's suites run at once, as `pnpm test` runs them (turbo): the CLI's tests
// mostly wait on the processes they spawn. Each suite's output is printed when it ends.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const VERSIONS = ['22', '24']
const ROOT = fileURLToPath(new URL('..', import.meta.url))
const VITEST = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url))
// Type tests need no runtime: they ran once with the main suite.
const SUITES = [
  { dir: 'packages/scheduler', args: ['--typecheck.enabled=false'] },
  { dir: 'packages/patterns', args: ['--typecheck.enabled=false'] },
  { dir: 'apps/cli', args: [] },
]

/** Runs one suite on Node `version`; resolves with its exit status once its output is printed. */
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
      process.stdout.write(Buffer.concat(output))
      resolve(status ?? 1)
    })
  })
}

// npx fetches each version once, before its suites start at once.
for (const version of VERSIONS) {
  const fetched = await new Promise((resolve) => {
    const child = spawn('npx', ['--yes', `node@${version}`, '--version'], { stdio: 'inherit' })
    child.on('close', resolve)
  })
  if (fetched !== 0) {
    console.error(`Node ${version} could not be fetched`)
    process.exit(1)
  }
  const statuses = await Promise.all(SUITES.map((suite) => runSuite(version, suite)))
  const failed = SUITES.filter((_, i) => statuses[i] !== 0).map(({ dir }) => dir)
  if (failed.length > 0) {
    console.error(`${failed.join(', ')} failed on Node ${version}`)
    process.exit(1)
  }
}
