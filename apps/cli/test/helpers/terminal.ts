import { spawn } from 'node:child_process'
import { CLI, fixture } from './run-cli.js'

/** What a terminal showed of a run (stdout and stderr together), and its exit code. */
export interface TerminalResult {
  readonly code: number | null
  readonly output: string
}

/**
 * Runs the CLI on a pseudo-terminal with util-linux `script`, so its stdout and stderr
 * are terminals, in the fixtures directory and with exactly the environment `env`.
 */
export function runInTerminal(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<TerminalResult> {
  const command = [process.execPath, CLI, ...args]
    .map((word) => `'${word.replaceAll("'", "'\\''")}'`)
    .join(' ')
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    cwd: fixture('.'),
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  })
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, output }))
  })
}
