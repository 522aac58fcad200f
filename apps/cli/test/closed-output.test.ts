import { spawn } from 'node:child_process'
import { afterAll, describe, expect, it } from 'vitest'
import { comesTrue, isAlive, killOnCleanup, killStrays } from './helpers/processes.js'
import { reportedPids } from './helpers/output.js'
import { CLI, finished, fixture, startCli } from './helpers/run-cli.js'

// A reader that goes away (`| head`) closes the pipe the CLI writes to: the CLI stops
// quietly, with 141 as if SIGPIPE had ended it, whichever process of the run wrote.
afterAll(killStrays)

describe.concurrent.each([
  { executor: 'inline', workers: [] },
  { executor: 'async', workers: [] },
  { executor: 'threads', workers: ['--workers', '1'] },
  { executor: 'processes', workers: ['--workers', '1'] },
])('on the $executor executor', ({ executor, workers }) => {
  const run = ['run', '--executor', executor, ...workers]

  it('`--json | head -c 100` exits 141, and prints nothing on stderr', async () => {
    // The JSON of long-result.ts (180 kB) is more than a pipe holds, so the CLI is still
    // writing when head exits.
    const script = `'${process.execPath}' '${CLI}' ${run.join(' ')} --json long-result.ts | head -c 100 >/dev/null; echo "\${PIPESTATUS[0]}"`
    const child = killOnCleanup(
      spawn('bash', ['-c', script], { cwd: fixture('.'), stdio: ['ignore', 'pipe', 'pipe'] }),
    )
    const result = await finished(child)
    expect(result).toMatchObject({ code: 0, stdout: '141\n', stderr: '' })
  })

  it('a task printing to a closed stdout ends a run that would never end, with 141', async () => {
    const child = killOnCleanup(startCli([...run, 'print-then-wait.ts']))
    child.stdout.destroy()
    const result = await finished(child)
    expect(result).toMatchObject({ code: 141, signal: null })
    // Only the task's own line: no error, no stack.
    expect(result.stderr).toMatch(/^chatter: task running in pid \d+\n$/)
    const [pid = 0] = reportedPids(result.stderr)
    expect(await comesTrue(() => !isAlive(pid), 2_000)).toBe(true)
  })

  it("a closed pipe of a task's own is the task's to handle", async () => {
    const result = await finished(killOnCleanup(startCli([...run, 'closed-pipe-in-task.ts'])))
    expect(result).toEqual({ code: 0, signal: null, stdout: 'EPIPE\n', stderr: '' })
  })

  it('a closed stderr ends a failing run quietly, with 141', async () => {
    const child = killOnCleanup(startCli([...run, 'throw-deep.ts']))
    child.stderr.destroy()
    const result = await finished(child)
    expect(result).toMatchObject({ code: 141, signal: null, stdout: '' })
  })
})
