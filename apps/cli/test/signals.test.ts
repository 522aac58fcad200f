import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { waitForStderr } from './helpers/output.js'
import { CLI, finished, fixture, startCli } from './helpers/run-cli.js'

// hang.ts runs one task ("long-wait") that takes 10 s, and writes a line to stderr when
// it starts. Without the CLI's signal handling the process would die of the signal
// (code null) or, if the signal were ignored, finish after 10 s with code 0.
describe.concurrent.each([
  { signal: 'SIGINT', code: 130 },
  { signal: 'SIGTERM', code: 143 },
  { signal: 'SIGHUP', code: 129 },
] as const)('$signal during a run', ({ signal, code }) => {
  it(`cancels the run and exits ${code}`, { timeout: 8_000 }, async () => {
    const child = startCli(['run', 'hang.ts'])
    try {
      const result = finished(child)
      // Signal once the task runs, so the CLI's handlers are in place.
      let stderr = ''
      await new Promise<void>((resolve, reject) => {
        child.stderr.on('data', (chunk: string) => {
          stderr += chunk
          if (stderr.includes('hang: task started')) resolve()
        })
        child.once('exit', () =>
          reject(new Error(`the CLI exited before the task started: ${stderr}`)),
        )
      })
      child.kill(signal)
      const { stderr: report, ...exit } = await result
      expect(exit).toEqual({ code, signal: null, stdout: '' })
      expect(report).toContain(signal)
    } finally {
      child.kill('SIGKILL') // only if the test failed while it still ran
    }
  })
})

// pending-load.ts writes "pending-load: loading", then waits 10 s in its top-level code
// before it exports the graph.
describe('SIGINT while the workflow loads', () => {
  it('cancels the run at once: exit 130, without waiting for the workflow', async () => {
    const child = startCli(['run', 'pending-load.ts'])
    try {
      const result = finished(child)
      await waitForStderr(child, /pending-load: loading/)
      const signalled = performance.now()
      child.kill('SIGINT')
      const { stderr, ...exit } = await result
      const took = performance.now() - signalled
      expect(exit).toEqual({ code: 130, signal: null, stdout: '' })
      expect(stderr).toContain('SIGINT')
      // Cancelled by the run itself: no hint that a task holds it, nothing killed.
      expect(stderr).not.toMatch(/holding the main thread|stopped at once/)
      // Well before the 10 s the workflow waits.
      expect(took).toBeLessThan(3_000)
    } finally {
      child.kill('SIGKILL') // only if the test failed while it still ran
    }
  })
})

// exits-on-stop.ts: the workflow's own SIGINT handler calls process.exit(0) as it cleans
// up; the Ctrl-C that ran it stops the run all the same.
describe('SIGINT to a workflow whose own handler of it calls process.exit()', () => {
  it("ends as a stopped run: exit 130, not the workflow's code nor a failure", async () => {
    const child = startCli(['run', 'exits-on-stop.ts'])
    try {
      const result = finished(child)
      await waitForStderr(child, /exits-on-stop: task started/)
      child.kill('SIGINT')
      const { stderr, ...exit } = await result
      expect(exit).toEqual({ code: 130, signal: null, stdout: '' })
      expect(stderr.trimEnd().split('\n')).toEqual([
        'exits-on-stop: task started',
        'exits-on-stop: cleaned up',
        'taskgraph: stopped by SIGINT; the run was cancelled before it finished',
      ])
    } finally {
      child.kill('SIGKILL') // only if the test failed while it still ran
    }
  })
})

// A terminal's Ctrl-C goes to every process of its foreground group. A program of that
// group that started the command and passes signals on to it (npx, `timeout
// --foreground`), as PASS_ON does, has the command hear the one Ctrl-C twice.
const PASS_ON = `
  const { spawn } = require('node:child_process')
  const child = spawn(process.execPath, process.argv.slice(1), { stdio: 'inherit' })
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
  child.on('exit', (code) => process.exit(code ?? 1))
`

describe.concurrent.each(['inline', 'async', 'threads', 'processes'])(
  'one Ctrl-C to the process group of a program that passes it on, on the %s executor',
  (executor) => {
    it('cancels the run gracefully: exit 130, nothing killed at once', async () => {
      // Its own process group, as a terminal gives the command it runs.
      const group = spawn(
        process.execPath,
        ['-e', PASS_ON, CLI, 'run', 'hang.ts', '--executor', executor],
        { cwd: fixture('.'), detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
      )
      try {
        const result = finished(group)
        await waitForStderr(group, /hang: task started/)
        process.kill(-group.pid!, 'SIGINT')
        const { stderr, ...exit } = await result
        expect(exit).toEqual({ code: 130, signal: null, stdout: '' })
        expect(stderr).toContain('taskgraph: stopped by SIGINT; the run was cancelled')
        expect(stderr).not.toMatch(/stopped at once|holding the main thread/)
      } finally {
        // Only if the test failed while it still ran.
        try {
          process.kill(-group.pid!, 'SIGKILL')
        } catch {
          // Gone already.
        }
      }
    })
  },
)

// The command took any SIGUSR2 for a worker process's word that stdout was closed, and
// ended the run with 141 and no word; its supervisor heard of a stop the same way.
describe('a SIGUSR2 of the workflow’s own', () => {
  it('reaches its handler, and the run goes on to its result', async () => {
    const { stderr, ...exit } = await finished(startCli(['run', 'own-sigusr2.ts']))
    expect(exit).toEqual({ code: 0, signal: null, stdout: '2\n' })
    expect(stderr).toBe('own-sigusr2: heard\n')
  })
})
