import { execFile, spawn } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { waitForStderr } from './helpers/output.js'
import { CLI, fixture, type startCli } from './helpers/run-cli.js'

// A run whose terminal goes away (its window closed, its SSH connection dropped): the
// terminal hangs up, then SIGHUP comes. The command's stdin and stdout are a tmux pane's
// terminal, which ends with its tmux server; stderr is a pipe, as a log file would be.

const execTmux = promisify(execFile)

let dir: string | undefined

afterEach(async () => {
  if (dir === undefined) return
  await execTmux('tmux', ['-S', join(dir, 'socket'), 'kill-server']).catch(() => undefined)
  await rm(dir, { recursive: true, force: true })
  dir = undefined
})

describe.each(['async', 'threads'])('a run on %s whose terminal hangs up', (executor) => {
  it('stops as SIGHUP says: exit 129 and its own line, not an abort of Node', async () => {
    dir = await mkdtemp(join(tmpdir(), 'taskgraph-hangup-'))
    const tmux = (...args: string[]): Promise<{ stdout: string }> =>
      execTmux('tmux', ['-S', join(dir!, 'socket'), ...args])
    await tmux('-f', '/dev/null', 'new-session', '-d', 'sleep 300')
    const tty = (await tmux('display-message', '-p', '#{pane_tty}')).stdout.trim()
    const terminal = openSync(tty, 'r+')
    // Typed as the helpers take it: only stderr is read, and it is a pipe.
    const child = spawn(process.execPath, [CLI, 'run', 'hang.ts', '--executor', executor], {
      cwd: fixture('.'),
      stdio: [terminal, terminal, 'pipe'],
    }) as unknown as ReturnType<typeof startCli>
    closeSync(terminal)
    try {
      let stderr = ''
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
      const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.once('close', (code, signal) => resolve({ code, signal })),
      )
      await waitForStderr(child, /hang: task started/)
      // The terminal goes, then SIGHUP comes, as the kernel sends it to what ran there. The
      // kernel hangs the terminal up in a moment of its own, which may come only as the
      // command ends: both moments must end it alike.
      await tmux('kill-server')
      child.kill('SIGHUP')
      // Node's report, if it aborted, is in what the test prints on failing.
      expect({ ...(await exit), stderr }).toEqual({
        code: 129,
        signal: null,
        stderr: expect.stringContaining('taskgraph: stopped by SIGHUP') as unknown,
      })
      expect(stderr).not.toContain('Assertion failed')
    } finally {
      child.kill('SIGKILL') // only if the test failed while it still ran
    }
  })
})
