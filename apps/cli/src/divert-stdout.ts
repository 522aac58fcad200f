/** What `divertStdout` returns. */
export interface StdoutDiversion {
  /** Writes `text` to the real stdout. */
  write(text: string): void
  /** Writes to stdout go to stdout again. */
  restore(): void
}

/**
 * Sends what this process writes to `stdout` (`console.log` and `process.stdout.write`,
 * from a workflow's top-level code or its tasks on the main thread) to `stderr` instead,
 * until `restore()`, so that stdout holds only what is written with the diversion's own
 * `write`. Pool workers' output is routed by their `taskStdout` option.
 */
export function divertStdout(
  stdout: NodeJS.WriteStream,
  stderr: NodeJS.WriteStream,
): StdoutDiversion {
  const own = Object.getOwnPropertyDescriptor(stdout, 'write')
  const write = stdout.write.bind(stdout)
  stdout.write = stderr.write.bind(stderr)
  return {
    write: (text) => void write(text),
    restore: () => {
      if (own === undefined) Reflect.deleteProperty(stdout, 'write')
      else Object.defineProperty(stdout, 'write', own)
    },
  }
}
