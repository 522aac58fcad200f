import { OutputError } from './cli-errors.js'

/**
 * Waits until stdout has taken all that the command wrote to it.
 * @throws {OutputError} when a write failed for another reason than a closed reader
 * (a full disk: ENOSPC; an I/O error): the command did not write what it was asked to.
 * A closed reader (EPIPE) ends the command quietly instead (closed-output.ts).
 */
export async function stdoutWritten(
  stdout: NodeJS.WritableStream & { errored?: Error | null },
): Promise<void> {
  // An errored stream keeps its first error; a write to it would report another.
  const error =
    stdout.errored ??
    (await new Promise<Error | null | undefined>((resolve) => stdout.write('', resolve)))
  if (error == null || (error as NodeJS.ErrnoException).code === 'EPIPE') return
  const code = (error as NodeJS.ErrnoException).code ?? error.name
  throw new OutputError({
    message: `could not write the output to stdout (${code}: ${error.message.replace(/^\w+: /, '')}); send stdout to a file or pipe that can take it (a disk with room), or drop the redirection`,
    cause: error,
  })
}
