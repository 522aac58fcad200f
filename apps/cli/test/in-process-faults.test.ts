import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { logEntries } from './helpers/output.js'
import { fixture, runCli } from './helpers/run-cli.js'
import { cleanUp, makeTempDir } from './helpers/temp-dirs.js'

// On the inline and async executors tasks run in the command's own process: what would
// end or crash that process instead fails the task that did it, and the run ends as runs
// do, with its error, trace and report.

afterAll(cleanUp)

/** The `taskgraph: ` lines on stderr: what the command itself said. */
function ownLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.startsWith('taskgraph: '))
}

/** The errors a `--log-level debug` run logged, as class, code, key and the cause's class. */
function loggedErrors(stderr: string): { type: string; code: string; key: string }[] {
  return logEntries(stderr).flatMap(({ err }) =>
    err === undefined ? [] : [{ type: err.type, code: err.code, key: err.key }],
  )
}

describe.concurrent.each(['inline', 'async'])('on the %s executor', (executor) => {
  it.for(['0', '3'])(
    'a task calling process.exit(%s) fails with a TaskError naming it; the trace is written',
    async (exitCode, { expect }) => {
      const cwd = await makeTempDir()
      const args = ['--log-level', 'debug', 'run', fixture('exits-in-task.ts'), '-e', executor]
      const result = await runCli([...args, '--json', '--trace', 'trace.json'], {
        cwd,
        env: { EXIT_CODE: exitCode },
      })
      expect(result).toMatchObject({ code: 1, signal: null, stdout: '' })
      expect(loggedErrors(result.stderr)).toEqual([
        { type: 'TaskError', code: 'ERR_TASK_FAILED', key: 'quit' },
      ])
      expect(ownLines(result.stderr)).toEqual([
        expect.stringMatching(/^taskgraph: error: TaskError: .*"quit".* ProcessExitError: /),
      ])
      expect(existsSync(join(cwd, 'trace.json'))).toBe(true)
    },
  )

  it('a timer a task started that throws fails the task with an UncaughtExceptionError; trace and report are written', async () => {
    const cwd = await makeTempDir()
    const args = ['--log-level', 'debug', 'run', fixture('timer-throws.ts'), '-e', executor]
    const result = await runCli([...args, '--trace', 'trace.json', '--report', 'report.html'], {
      cwd,
    })
    expect(result).toMatchObject({ code: 1, signal: null, stdout: '' })
    expect(loggedErrors(result.stderr)).toEqual([
      { type: 'UncaughtExceptionError', code: 'ERR_UNCAUGHT_EXCEPTION', key: 'timer-throws' },
    ])
    expect(ownLines(result.stderr)).toEqual([
      expect.stringMatching(/^taskgraph: error: UncaughtExceptionError: .*"timer-throws"/),
    ])
    // Handled by taskgraph, not a crash of Node with its version banner.
    expect(result.stderr).not.toContain('Node.js v')
    expect(existsSync(join(cwd, 'trace.json'))).toBe(true)
    expect(existsSync(join(cwd, 'report.html'))).toBe(true)
  })
})

describe.concurrent("the workflow's top-level code calling process.exit()", () => {
  it.for(['0', '3'])(
    'with code %s: exit 1, with one error line, and nothing on stdout',
    async (exitCode) => {
      const result = await runCli(['run', 'exits-on-load.ts', '--json'], {
        env: { EXIT_CODE: exitCode },
      })
      expect(result).toMatchObject({ code: 1, signal: null, stdout: '' })
      expect(ownLines(result.stderr)).toEqual([
        expect.stringMatching(
          new RegExp(`^taskgraph: error: the workflow's process exited with code ${exitCode} `),
        ),
      ])
    },
  )
})
