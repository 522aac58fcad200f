import { spawn } from 'node:child_process'
import { closeSync, existsSync, openSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { killOnCleanup, killStrays } from './helpers/processes.js'
import { CLI, fixture, runCli } from './helpers/run-cli.js'

// stdout that cannot take the output (a full disk, as /dev/full is) fails the command
// with exit 4, as a `-o` file that cannot be written does: the result was not written.
afterAll(killStrays)

/** Runs the CLI with stdout on /dev/full; its exit code and stderr. */
async function runOnFullDisk(
  args: readonly string[],
): Promise<{ code: number | null; stderr: string }> {
  const full = openSync('/dev/full', 'w')
  try {
    const child = killOnCleanup(
      spawn(process.execPath, [CLI, ...args], {
        cwd: fixture('.'),
        stdio: ['ignore', full, 'pipe'],
      }),
    )
    let stderr = ''
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject)
      child.once('close', resolve)
    })
    return { code, stderr }
  } finally {
    closeSync(full)
  }
}

describe.runIf(existsSync('/dev/full')).concurrent('stdout on a full disk', () => {
  it.each([
    ['run', 'sum.ts'],
    ['run', 'sum.ts', '--json'],
    ['run', 'long-result.ts', '--executor', 'threads', '--workers', '1'],
    ['visualize', 'sum.ts'],
    ['visualize', 'sum.ts', '--format', 'svg'],
  ])('`%s %s ...` exits 4 with one OutputError line naming stdout', async (...args) => {
    const result = await runOnFullDisk(args)
    expect(result.code).toBe(4)
    expect(result.stderr).toMatch(/^taskgraph: error: OutputError: .*stdout \(ENOSPC\b[^\n]*\n$/)
  })
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
