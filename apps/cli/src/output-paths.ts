import { realpathSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { InvalidOptionError } from '@taskgraph/core'

/** A file a command reads or writes, as its flag names it. */
export interface CommandFile {
  /** How the message names it: `--trace`, `-o`, `the workflow file`. */
  readonly name: string
  /** As given; `undefined` when the flag was not given. */
  readonly path: string | undefined
  /** Whether the command writes it (once the run ends, without asking). */
  readonly written: boolean
}

/**
 * Refuses, before anything runs, a command line whose outputs would overwrite the
 * workflow file, a file the command reads, or each other: `--report flow.ts` would
 * replace the workflow's source with HTML, and of `--trace a.json --report a.json` only
 * one would be left. Paths are compared as the files they reach (symbolic links and `..`
 * resolved), relative to the working directory.
 * @throws {InvalidOptionError} naming both flags and the fix
 */
export function checkFilesApart(command: string, files: readonly CommandFile[]): void {
  const given = files.flatMap((file) =>
    file.path === undefined ? [] : [{ ...file, path: file.path, real: realPath(file.path) }],
  )
  for (const [i, output] of given.entries()) {
    if (!output.written) continue
    for (const [j, other] of given.entries()) {
      if (i === j || output.real !== other.real || (other.written && j < i)) continue
      throw new InvalidOptionError({
        message: other.written
          ? `${command}: ${output.name} and ${other.name} both name ${other.path}, and one would overwrite the other; give one of them another path.`
          : `${command}: ${output.name} ${output.path} is ${other.name} ${other.path} itself, which it would overwrite; give ${output.name} another path.`,
      })
    }
  }
}

/** The path of the file `path` reaches: its directory's real path for one yet to be made. */
function realPath(path: string): string {
  const absolute = resolve(path)
  try {
    return realpathSync(absolute)
  } catch {
    try {
      return join(realpathSync(dirname(absolute)), basename(absolute))
    } catch {
      return absolute
    }
  }
}

/**
 * What to do about an output file the file system would not take (`error`): a full disk
 * asks for room, not for another directory.
 */
export function writeFix(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code
  return code === 'ENOSPC' || code === 'EDQUOT'
    ? 'Make room on its disk, or give a path on another one'
    : 'Give a path in a directory that exists and can be written'
}
