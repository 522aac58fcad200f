import { lstat, open, realpath, rename, rm, stat, type FileHandle } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { asFileWriteError } from './file-write-error.js'

/** Told of each temporary file before it is made: see `onTemporaryFile`. */
const temporaryListeners = new Set<(path: string) => void>()

/**
 * Calls `listener` with the path of each temporary file `writeWholeFile` is about to
 * make, before it exists. A process that can be killed while it writes one (the CLI's
 * runner, killed by its supervisor at a second Ctrl-C) tells the process that outlives it,
 * which removes what is left. Returns a function that stops the calls.
 */
export function onTemporaryFile(listener: (path: string) => void): () => void {
  temporaryListeners.add(listener)
  return () => temporaryListeners.delete(listener)
}

/**
 * Writes the file at `path` with `write`, whole or not at all: into a file beside it,
 * renamed over it once written. A write that fails partway (a full disk, a value that
 * cannot be written, the process killed by a second Ctrl-C) leaves the file that was
 * there, rather than a truncated trace no viewer opens; the temporary file is removed
 * (when this process is killed, by whoever `onTemporaryFile` told of it). What is not a
 * regular file (a FIFO, `/dev/stdout`, a directory: its error) is written in place; a
 * symbolic link's target is replaced, not the link (a link to nothing yet is written
 * through in place).
 * @throws {FileWriteError} naming `call` when the file system refuses (what `write` throws
 * otherwise, as it is)
 */
export async function writeWholeFile(
  call: string,
  path: string,
  write: (file: FileHandle) => Promise<void>,
): Promise<void> {
  try {
    await writeWhole(path, write)
  } catch (error) {
    throw asFileWriteError(call, path, error)
  }
}

async function writeWhole(path: string, write: (file: FileHandle) => Promise<void>): Promise<void> {
  const existing = await stat(path).catch(() => undefined)
  const link = await lstat(path).catch(() => undefined)
  // A link to nothing yet is written through, as a plain open would.
  const dangling = existing === undefined && link?.isSymbolicLink() === true
  if ((existing !== undefined && !existing.isFile()) || dangling) {
    const file = await open(path, 'w')
    try {
      await write(file)
    } finally {
      await file.close()
    }
    return
  }
  const target = existing === undefined ? path : await realpath(path)
  const temporary = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`)
  for (const listener of temporaryListeners) listener(temporary)
  const file = await open(temporary, 'w')
  try {
    try {
      // The file that is replaced keeps its permissions (a report shared with a group).
      if (existing !== undefined) await file.chmod(existing.mode & 0o7777)
      await write(file)
    } finally {
      await file.close()
    }
    await rename(temporary, target)
  } catch (error) {
    await rm(temporary, { force: true })
    throw error
  }
}
