/** Where a command reads and writes; the real process streams, or others in tests. */
export interface Io {
  readonly stdout: NodeJS.WriteStream
  readonly stderr: NodeJS.WriteStream
  readonly cwd: string
}
