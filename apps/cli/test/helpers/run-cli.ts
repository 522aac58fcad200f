import { spawn, type ChildProcessByStdio } from 'node:child_process'
import { existsSync } from 'node:fs'
import type { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'

/** The built `taskgraph` binary; tests run it as a user would, in a child process. */
export const CLI = fileURLToPath(new URL('../../dist/bin.js', import.meta.url))

/** The absolute path of a file in test/fixtures. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url))
}

/** How a run of the CLI ended. */
export interface CliResult {
  /** Exit code, or `null` when the process was killed by a signal. */
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

export interface CliOptions {
  /** Working directory of the process. @default the fixtures directory */
  cwd?: string
  /** Variables set in the environment of the process, on top of this one's. */
  env?: Record<string, string>
  /** The Node binary that runs the CLI. @default this process's */
  node?: string
}

type CliProcess = ChildProcessByStdio<null, Readable, Readable>

/** Starts `node dist/bin.js ...args` with piped stdout and stderr (so neither is a terminal). */
export function startCli(args: readonly string[], options: CliOptions = {}): CliProcess {
  if (!existsSync(CLI))
    throw new Error(`${CLI} is missing: build the CLI first (pnpm exec turbo run build)`)
  return spawn(options.node ?? process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? fixture('.'),
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.env === undefined ? {} : { env: { ...process.env, ...options.env } }),
  })
}

/** Output and exit of a started process, once it has exited and closed its streams. */
export function finished(child: CliProcess): Promise<CliResult> {
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
}

/** Runs the CLI to its end. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return finished(startCli(args, options))
}
