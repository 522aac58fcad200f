// The checks of `pnpm test` after formatting and import cycles: every package built, then
// two lanes side by side, one per core. The cluster's suite and then the CLI's (the two
// longest, each starting many processes: at once they load a 2-core machine past what
// their "within 2 s" checks bear) take one lane; the lint, every typecheck and the other
// suites take the other, one at a time, through turbo. Run as one turbo graph on two
// slots, the CLI's suite waited for a free slot behind whichever short tasks turbo picked
// first, and the run took about 4 minutes longer.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
// The package manager running this script (`pnpm test`), to run a package's own script.
const PNPM = process.env.npm_execpath
const LONG = ['@taskgraph/cluster', 'taskgraph']

/**
 * Runs `command` in the repository's root, each line of its output prefixed with `label`
 * unless it is turbo's (which prefixes its own); resolves with its exit status.
 */
function run(label, command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    for (const stream of [child.stdout, child.stderr]) {
      let rest = ''
      stream.setEncoding('utf8')
      stream.on('data', (chunk) => {
        const lines = (rest + chunk).split('\n')
        rest = lines.pop()
        for (const line of lines) process.stdout.write(label ? `${label}${line}\n` : `${line}\n`)
      })
      stream.on('end', () => rest && process.stdout.write(`${label}${rest}\n`))
    }
    child.on('close', (status, signal) => resolve(status ?? (signal ? 1 : 0)))
  })
}

const turbo = (...args) => run('', 'npx', ['turbo', 'run', ...args])
const packageScript = (name, script) =>
  PNPM === undefined
    ? run(`${name}:${script}: `, 'pnpm', ['--filter', name, 'run', script])
    : run(`${name}:${script}: `, process.execPath, [PNPM, '--filter', name, 'run', script])

/** Runs `steps` one after another, each once the last ended; the names of those that failed. */
async function lane(steps) {
  const failed = []
  for (const [name, step] of steps) if ((await step()) !== 0) failed.push(name)
  return failed
}

if ((await turbo('build', '--output-logs=errors-only')) !== 0) process.exit(1)
const others = LONG.map((name) => `--filter=!${name}`)
const failed = (
  await Promise.all([
    lane(LONG.map((name) => [`${name} test`, () => packageScript(name, 'test')])),
    lane([
      [
        'lint, typecheck and the other suites',
        () => turbo('lint', 'typecheck', 'test', '--only', '--concurrency=1', ...others),
      ],
      [
        `${LONG.join(' and ')} typecheck`,
        () => turbo('typecheck', '--only', ...LONG.map((name) => `--filter=${name}`)),
      ],
    ]),
  ])
).flat()
for (const name of failed) console.error(`test-lanes: ${name} failed`)
process.exit(failed.length > 0 ? 1 : 0)
