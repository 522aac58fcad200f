import { spawn } from 'node:child_process'
import { closeSync, existsSync, openSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { killOnCleanup, killStrays } from './helpers/processes.js'
import { CLI, fixture, runCli } from './helpers/run-cli.js'

// stdout that cannot take the output (a full disk, as /dev/full is) fails the command
// with exit 4, as a `-o` file that cannot be written does: the result was not written.
afterAll(killStrays)

/**
 * Runs the CLI with stdout (or stderr) on /dev/full; its exit code, and what it wrote to
 * the other one.
 */
async function runOnFullDisk(
  args: readonly string[],
  full: 'stdout' | 'stderr' = 'stdout',
  env: Record<string, string> = {},
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const disk = openSync('/dev/full', 'w')
  try {
    const child = killOnCleanup(
      spawn(process.execPath, [CLI, ...args], {
        cwd: fixture('.'),
        stdio: ['ignore', full === 'stdout' ? disk : 'pipe', full === 'stderr' ? disk : 'pipe'],
        env: { ...process.env, ...env },
      }),
    )
    let stderr = ''
    let stdout = ''
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject)
      child.once('close', resolve)
    })
    return { code, stderr, stdout }
  } finally {
    closeSync(disk)
  }
}

describe.runIf(existsSync('/dev/full')).concurrent('stdout on a full disk', () => {
  it.each([
    ['run', 'sum.ts'],
    ['run', 'sum.ts', '--json'],
    ['run', 'long-result.ts', '--executor', 'threads', '--workers', '1'],
    ['visualize', 'sum.ts'],
    ['visualize', 'sum.ts', '--format', 'svg'],
    // A task printing more than the thread's output holds: its writes, unread once
    // stdout failed, held the task (and the run) for ever on threads, and crashed a
    // worker process, blamed on the task.
    ...['async', 'threads', 'processes'].map((executor) =>
      [['run', 'prints-lines.ts', '--executor', executor]].flatMap((args) =>
        executor === 'async' ? args : [...args, '--workers', '1'],
      ),
    ),
  ])('`%s %s ...` exits 4 with one OutputError line naming stdout', async (...args) => {
    const result = await runOnFullDisk(args)
    expect(result.code).toBe(4)
    expect(result.stderr).toMatch(/^taskgraph: error: OutputError: .*stdout \(ENOSPC\b[^\n]*\n$/)
  })
})

// stderr that fails (a full disk; EIO once a terminal is gone) leaves nothing to say it
// on: the run ends as it would have. It was a callback that threw, blamed on the
// workflow (exit 3) or on a task.
describe.runIf(existsSync('/dev/full')).concurrent('stderr on a full disk', () => {
  it.each(['async', 'threads', 'processes'])(
    'a task printing to it on %s: the result is printed, and the command exits 0',
    async (executor) => {
      const args = ['run', 'prints-lines.ts', '--executor', executor]
      const result = await runOnFullDisk(
        executor === 'async' ? args : [...args, '--workers', '1'],
        'stderr',
        { TO_STDERR: '1' },
      )
      expect(result).toMatchObject({ code: 0, stdout: '1\n' })
    },
  )
})

// An output file on a full disk: the run's result is printed all the same, and the
// command exits 4, saying to make room rather than to look for another directory.
describe.runIf(existsSync('/dev/full')).concurrent('an output file on a full disk', () => {
  it.each([
    ['run', 'sum.ts', '--trace', '/dev/full'],
    ['run', 'sum.ts', '--report', '/dev/full'],
    ['visualize', 'sum.ts', '-o', '/dev/full', '--format', 'dot'],
  ])('`%s %s %s` exits 4 with one OutputError line that asks for room', async (...args) => {
    const result = await runCli(args)
    expect(result).toMatchObject({ code: 4, stdout: args[0] === 'run' ? '5\n' : '' })
    expect(result.stderr).toMatch(
      /^taskgraph: error: OutputError: [^\n]*\(ENOSPC\)\. Free some space[^\n]*\n$/,
    )
  })
})
