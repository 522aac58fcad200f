// Runs the scheduler, patterns and CLI test suites on the other Node versions taskgraph
// supports (the whole suite runs on the machine's own Node with `pnpm test`). Each version
// comes from the npm registry through `npx node@<version>`: official builds, cached after
// the first run. Run from the repository root after `pnpm build`: `pnpm test:node`.
import { spawnSync } from 'node:child_process'
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

for (const version of VERSIONS) {
  for (const suite of SUITES) {
    console.log(`\n— ${suite.dir} on Node ${version}`)
    const run = spawnSync('npx', ['--yes', `node@${version}`, VITEST, 'run', ...suite.args], {
      cwd: new URL(suite.dir, `file://${ROOT}/`),
      stdio: 'inherit',
      env: { ...process.env, CI: '1' },
    })
    if (run.status !== 0) {
      console.error(`${suite.dir} failed on Node ${version}`)
      process.exit(run.status ?? 1)
    }
  }
}
