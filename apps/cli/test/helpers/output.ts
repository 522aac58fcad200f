import type { startCli } from './run-cli.js'

type CliProcess = ReturnType<typeof startCli>

/**
 * The first match of `pattern` in what the process writes to stderr; rejects if the
 * process exits first. Used to act (send a signal, look at its children) once a task runs.
 */
export function waitForStderr(child: CliProcess, pattern: RegExp): Promise<RegExpExecArray> {
  let stderr = ''
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer | string): void => {
      stderr += String(chunk)
      const match = pattern.exec(stderr)
      if (match === null) return
      child.stderr.off('data', onData)
      child.off('exit', onExit)
      resolve(match)
    }
    const onExit = (): void => {
      child.stderr.off('data', onData)
      reject(new Error(`the CLI exited before its stderr matched ${String(pattern)}:\n${stderr}`))
    }
    child.stderr.on('data', onData)
    child.once('exit', onExit)
  })
}

/** An entry of the CLI's `--log-level debug` log; `err` is the `TaskError` of a failed task. */
export interface LogEntry {
  readonly msg: string
  readonly key?: string
  /** For a task's end: how long it ran, and where (`thread 3`, `pid 1234`, `main`). */
  readonly durationMs?: number
  readonly worker?: string
  readonly err?: {
    readonly type: string
    readonly code: string
    readonly key: string
    readonly functionName: string
    readonly attempts?: number
    readonly timeoutMs?: number
  }
}

/** The JSON log lines on stderr; other lines (the final report) are left out. */
export function logEntries(stderr: string): LogEntry[] {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogEntry)
}

/** The human report on stderr: what is left once the JSON log lines are taken out. */
export function reportOf(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => !line.startsWith('{'))
    .join('\n')
}

/**
 * The pids that fixtures report as they start ("... in pid N"): where a task or a
 * worker ran, to check that it has ended.
 */
export function reportedPids(stderr: string): number[] {
  return [...new Set([...stderr.matchAll(/\bin pid (\d+)/g)].map(([, pid]) => Number(pid)))]
}

/** `text` with its escape characters shown as ␛, to match or snapshot terminal output. */
export function visible(text: string): string {
  return text.replaceAll('\x1b', '␛')
}
