import { spawn } from 'node:child_process'
import { copyFile, readFile, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI, type CliResult, finished, fixture, runCli } from './helpers/run-cli.js'
import { cleanUp, makeTempDir } from './helpers/temp-dirs.js'

// An output the command writes without asking (--trace, --report, -o) must not be the
// workflow file, the trace visualize reads, or another output: the command refuses such
// a command line before it runs (exit 2), and every file is left as it was.
afterAll(cleanUp)

let dir: string
const source = await readFile(fixture('sum.ts'), 'utf8')
const trace = '{"kept": true}\n'

beforeAll(async () => {
  dir = await makeTempDir()
  await copyFile(fixture('sum.ts'), join(dir, 'flow.ts'))
  await symlink('flow.ts', join(dir, 'link.ts'))
  await symlink('loop', join(dir, 'loop'))
  // A link to a file yet to be made: writing the link writes that file.
  await symlink('later.json', join(dir, 'to-later.json'))
  await writeFile(join(dir, 'run.json'), trace)
})

describe.concurrent('outputs that would overwrite an input or each other', () => {
  it.each([
    { args: ['run', 'flow.ts', '--report', 'flow.ts'], named: '--report' },
    { args: ['run', 'flow.ts', '--trace', './flow.ts'], named: '--trace' },
    { args: ['run', 'flow.ts', '--trace', 'link.ts'], named: '--trace' },
    // A module the workflow might import: a source file by its extension.
    { args: ['run', 'flow.ts', '--trace', 'tasks.ts'], named: '--trace' },
    { args: ['run', 'flow.ts', '--report', 'helpers.MJS'], named: '--report' },
    { args: ['run', 'link.ts', '--report', 'flow.ts'], named: '--report' },
    { args: ['run', 'flow.ts', '--trace', 'same.json', '--report', 'same.json'], named: '--trace' },
    {
      args: ['run', 'flow.ts', '--trace', 'later.json', '--report', 'to-later.json'],
      named: '--trace',
    },
    { args: ['visualize', 'flow.ts', '-o', 'flow.ts', '--format', 'dot'], named: '-o' },
    {
      args: ['visualize', 'flow.ts', '--color', 'status', '--trace', 'run.json', '-o', 'run.json'],
      named: '-o',
    },
  ])('$args are a usage error', async ({ args, named }) => {
    const result = await runCli(args, { cwd: dir })
    expect(result).toMatchObject({ code: 2, stdout: '' })
    expect(result.stderr).toMatch(/^taskgraph: error: [^\n]*\n$/)
    expect(result.stderr).toContain(named)
    expect(await readFile(join(dir, 'flow.ts'), 'utf8')).toBe(source)
    expect(await readFile(join(dir, 'run.json'), 'utf8')).toBe(trace)
  })
})

// A path under a file (or through a link loop) crashed the check with ENOTDIR, and a
// loop of links was only found once the run had ended.
describe.concurrent('outputs that cannot be written', () => {
  it.each([
    { args: ['run', 'flow.ts', '--trace', 'flow.ts/run.json'], named: '--trace' },
    { args: ['run', 'flow.ts', '--report', 'flow.ts/report.html'], named: '--report' },
    { args: ['run', 'flow.ts', '--trace', 'loop'], named: '--trace' },
    { args: ['run', 'flow.ts', '--report', 'loop/report.html'], named: '--report' },
    // Its mode lets root write; making a file there fails. It was found once the run had ended.
    { args: ['run', 'flow.ts', '--trace', '/proc/run.json'], named: '--trace' },
    { args: ['run', 'flow.ts', '--report', '/proc/report.html'], named: '--report' },
  ])('$args are a usage error, before the run', async ({ args, named }) => {
    const result = await runCli(args, { cwd: dir })
    expect(result).toMatchObject({ code: 2, stdout: '' })
    expect(result.stderr).toMatch(/^taskgraph: error: [^\n]*\n$/)
    expect(result.stderr).toContain(named)
  })
})

it('a trace and a report of their own paths are written', async () => {
  const result = await runCli(['run', 'flow.ts', '--trace', 't.json', '--report', 'r.html'], {
    cwd: dir,
  })
  expect(result).toMatchObject({ code: 0, stdout: '5\n' })
  expect(await readFile(join(dir, 'r.html'), 'utf8')).toMatch(/^<!doctype html>/i)
})

// They were replaced by an empty trace and a report of no run.
it.each(['missing.ts', 'broken.ts'])(
  'a workflow that does not load (%s) leaves the trace and report there as they were',
  async (workflow) => {
    await writeFile(join(dir, 'broken.ts'), 'export default (\n')
    await writeFile(join(dir, 'kept.json'), trace)
    await writeFile(join(dir, 'kept.html'), '<p>kept</p>\n')
    const result = await runCli(
      ['run', workflow, '--trace', 'kept.json', '--report', 'kept.html'],
      { cwd: dir },
    )
    expect(result).toMatchObject({ code: 3, stdout: '' })
    expect(await readFile(join(dir, 'kept.json'), 'utf8')).toBe(trace)
    expect(await readFile(join(dir, 'kept.html'), 'utf8')).toBe('<p>kept</p>\n')
  },
)

// /dev/stdout on a pipe is a link to a link to no file (`pipe:[1234]`). Reading where it
// leads once left Node 20 and 22 unable to load, through pnpm's links, the modules the
// run needs as it ends: the report's (and with --log-level debug, the log's). A shell
// makes the pipe: Node's own stdio pipes are sockets, which /dev/stdout cannot open.
it('a report written to stdout, a pipe, is the report', async () => {
  const command = [process.execPath, CLI, 'run', 'flow.ts', '--report', '/dev/stdout']
  const result = await runCommand('bash', [
    '-o',
    'pipefail',
    '-c',
    `${command.map((word) => `'${word}'`).join(' ')} | cat`,
  ])
  expect(result).toMatchObject({ code: 0, stderr: '' })
  expect(result.stdout).toMatch(/^5\n<!doctype html>/i)
})

/**
 * Runs `file` as a user's shell would: without the NODE_PATH that `pnpm exec` gives this
 * test, which reaches every package of the install and so finds them without links.
 */
function runCommand(file: string, args: readonly string[]): Promise<CliResult> {
  const env = { ...process.env }
  delete env.NODE_PATH
  return finished(spawn(file, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] }))
}
