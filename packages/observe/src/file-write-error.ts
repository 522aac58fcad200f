import { dirname, resolve } from 'node:path'
import { statSync } from 'node:fs'
import { TaskgraphError } from '@taskgraph/core'

/**
 * A file an observe call writes (`writeChromeTrace`, `writeReport`) could not be written:
 * its path is a directory or goes through a file, its directory does not exist or cannot
 * be written, the disk is full. The file system's error is `cause`.
 */
export class FileWriteError extends TaskgraphError {
  /** The path the call was given. */
  readonly path: string

  constructor(call: string, path: string, cause: NodeJS.ErrnoException) {
    super({
      code: 'ERR_FILE_WRITE',
      message: `${call}: could not write ${path}: ${problemAndFix(path, cause.code)}`,
      cause,
    })
    this.path = path
  }
}
FileWriteError.prototype.name = 'FileWriteError'

/**
 * `error` as what `call` throws: a `FileWriteError` for the file system's refusal (an
 * error with an errno code and a system call), anything else (a value that cannot be
 * written as JSON) as it is.
 */
export function asFileWriteError(call: string, path: string, error: unknown): unknown {
  const { code, syscall } = (error ?? {}) as NodeJS.ErrnoException
  return error instanceof Error && typeof code === 'string' && typeof syscall === 'string'
    ? new FileWriteError(call, path, error)
    : error
}

/** What is wrong with writing `path`, by the file system's error `code`, and what to do. */
function problemAndFix(path: string, code: string | undefined): string {
  const directory = dirname(resolve(path))
  switch (code) {
    case 'EISDIR':
      return 'it is a directory (EISDIR). Give the path of a file to write, in that directory or elsewhere.'
    case 'ENOTDIR': {
      const file = fileOnPath(directory)
      return `${file === undefined ? 'a part of its path' : file} is a file, not a directory (ENOTDIR). Give a path in a directory.`
    }
    case 'ENOENT':
      // A directory that exists but makes no new files (/proc): what the file system said.
      if (isDirectory(directory)) break
      return `its directory ${directory} does not exist (ENOENT). Create it first, or give a path in a directory that exists.`
    case 'EACCES':
    case 'EPERM':
      return `this user may not write in ${directory} (${code}). Give a path in a directory it can write, or change the directory's permissions.`
    case 'EROFS':
      return `${directory} is on a read-only file system (EROFS). Give a path on a writable one.`
    case 'ELOOP':
      return 'its path goes through a symbolic link that leads back to itself (ELOOP). Remove the link or give another path.'
    case 'EFBIG':
      return 'it grew larger than a file may here (EFBIG): a limit on file size (`ulimit -f`) or of the file system. Raise the limit, or give a path on another file system.'
    case 'ENOSPC':
    case 'EDQUOT':
      return `the disk is full, or this user's quota is used up (${code}). Free some space, or give a path on another disk.`
  }
  return `the file system refused (${code ?? 'unknown error'}). Give a path in a directory that exists and can be written.`
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() === true
  } catch {
    return false
  }
}

/** The nearest of `directory` and its parents that is a file (what ENOTDIR is about). */
function fileOnPath(directory: string): string | undefined {
  for (let path = directory; ; path = dirname(path)) {
    try {
      const found = statSync(path, { throwIfNoEntry: false })
      if (found !== undefined && !found.isDirectory()) return path
    } catch {
      // Unreadable: look further up.
    }
    if (dirname(path) === path) return undefined
  }
}

// This package's codes, among those of `TaskgraphError#code` (see `TaskgraphErrorCodes`).
declare module '@taskgraph/core' {
  interface TaskgraphErrorCodes {
    ERR_FILE_WRITE: FileWriteError
  }
}
