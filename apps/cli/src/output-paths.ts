import { readlinkSync, realpathSync } from 'node:fs'
import { basename, dirname, join, resolve, sep } from 'node:path'
import { InvalidOptionError } from '@taskgraph/core'
import { errorText } from '@taskgraph/core/internal'
import { FileWriteError } from '@taskgraph/observe'
import { OutputError } from './cli-errors.js'

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
 * Refuses, before anything runs, a command line whose outputs name no file (`''`, which
 * would be the working directory, or a path ending in `/`), name `-` (standard output
 * elsewhere, a file here), or would overwrite the
 * workflow file, a file the command reads, or each other: `--report flow.ts` would
 * replace the workflow's source with HTML, and of `--trace a.json --report a.json` only
 * one would be left. Paths are compared as the files they reach (symbolic links and `..`
 * resolved), relative to the working directory.
 * @throws {InvalidOptionError} naming the flags and the fix
 */
export function checkFilesApart(command: string, files: readonly CommandFile[]): void {
  for (const { name, path, written } of files) {
    if (!written || path === undefined) continue
    // Taken for standard output by many commands, it would be a file named "-" here.
    if (path === '-') {
      throw new InvalidOptionError({
        message: `${command}: ${name} is "-", which is not taken for standard output here (it would be a file named "-"); ${name === '-o' ? 'leave -o out to write to standard output' : 'give the path of a file to write'}.`,
      })
    }
    if (path === '' || path.endsWith('/') || path.endsWith(sep)) {
      throw new InvalidOptionError({
        message: `${command}: ${name} ${path === '' ? 'is empty' : `names ${path}, a directory (it ends with ${JSON.stringify(path.at(-1))})`}; give the path of a file to write, such as ${join(path, name === '--report' ? 'report.html' : name === '--trace' ? 'trace.json' : 'graph.svg')}.`,
      })
    }
  }
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

/**
 * The path of the file `path` reaches: its directory's real path for one yet to be made,
 * and for a link to one yet to be made, its target's (writing the link writes it).
 * The system's realpath, not Node's own: on Node 20 and 22, Node's, given a link to a
 * pipe (`--trace /dev/stdout | jq`), leaves the process's `require` unable to follow the
 * links of a pnpm install, and the run failed to load its own modules once it ended.
 */
function realPath(path: string, links = 0): string {
  const absolute = resolve(path)
  try {
    return realpathSync.native(absolute)
  } catch {
    // A loop of links reads no further than realpath would.
    const target = links < MAX_LINKS ? linkTarget(absolute) : undefined
    if (target !== undefined) return realPath(resolve(dirname(absolute), target), links + 1)
    try {
      return join(realpathSync.native(dirname(absolute)), basename(absolute))
    } catch {
      return absolute
    }
  }
}

const MAX_LINKS = 40

/** What the link at `path` points to, if it is a link. */
function linkTarget(path: string): string | undefined {
  try {
    return readlinkSync(path)
  } catch {
    return undefined
  }
}

/**
 * The `OutputError` (exit code 4) of an output file `call` could not write: the library's
 * `FileWriteError` says what was wrong (a full disk, a read-only one, a directory in the
 * way) and what to do; anything else (a value that cannot be written) is named as it is.
 */
export function outputWriteError(
  call: string,
  what: string,
  path: string,
  error: unknown,
): OutputError {
  const message =
    error instanceof FileWriteError
      ? `${call}: ${error.message.slice(error.message.indexOf(': ') + 2)}`
      : `${call}: could not write ${what} to ${path} (${errorText(error)}).`
  return new OutputError({ message, cause: error })
}
