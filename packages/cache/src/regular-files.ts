import { closeSync, constants, fstatSync, openSync, readSync, writeSync, type Stats } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'

// The cache's own files read and appended to only when they are regular files. Something
// else put in one's place by hand (a named pipe, a socket, a link to a device) would hold
// the run for ever: opening a pipe waits for its other end, and reading /dev/zero never
// ends. Opened without waiting (O_NONBLOCK, which a regular file ignores), then looked at.
// A directory is left to fail as it does (EISDIR), which the cache tells already.

/** The code of the error that names such a file: "inappropriate file type" (BSD's errno). */
export const NOT_REGULAR = 'EFTYPE'

/** Opens the cache's file `path` to read it, if it is a regular file (or a directory). */
export async function openCacheFile(path: string): Promise<FileHandle> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK)
  try {
    checkKind(path, await handle.stat(), 'open')
  } catch (error) {
    await handle.close()
    throw error
  }
  return handle
}

/** The content of the cache's file `path`, as `readFile` reads it, if it is a regular file. */
export async function readCacheFile(path: string): Promise<Buffer>
export async function readCacheFile(path: string, encoding: 'utf8'): Promise<string>
export async function readCacheFile(path: string, encoding?: 'utf8'): Promise<Buffer | string> {
  const handle = await openCacheFile(path)
  try {
    return encoding === undefined ? await handle.readFile() : await handle.readFile(encoding)
  } finally {
    await handle.close()
  }
}

/**
 * The first `limit` bytes of the cache's file `path` as text, read at once, if it is a
 * regular file: for the small files read before a run can go on (CACHEDIR.TAG).
 */
export function readCacheFileStartSync(path: string, limit: number): string {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK)
  try {
    const info = fstatSync(fd)
    if (!info.isFile()) throw notRegular(path, 'open')
    const bytes = Buffer.alloc(Math.min(limit, info.size))
    let read = 0
    while (read < bytes.byteLength) {
      const count = readSync(fd, bytes, read, bytes.byteLength - read, read)
      if (count === 0) break
      read += count
    }
    return bytes.subarray(0, read).toString('utf8')
  } finally {
    closeSync(fd)
  }
}

/** Appends `text` to the cache's file `path` (made if missing), if it is a regular file. */
export function appendCacheFileSync(path: string, text: string): void {
  let fd: number
  try {
    fd = openSync(
      path,
      constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NONBLOCK,
      0o666,
    )
  } catch (error) {
    // A named pipe no one reads, or a socket: it cannot be opened to write.
    if ((error as NodeJS.ErrnoException).code === 'ENXIO') throw notRegular(path, 'open')
    throw error
  }
  try {
    checkKind(path, fstatSync(fd), 'open')
    const bytes = Buffer.from(text)
    for (let written = 0; written < bytes.byteLength;) {
      written += writeSync(fd, bytes, written)
    }
  } finally {
    closeSync(fd)
  }
}

function checkKind(path: string, info: Stats, syscall: string): void {
  if (!info.isFile() && !info.isDirectory()) throw notRegular(path, syscall)
}

function notRegular(path: string, syscall: string): NodeJS.ErrnoException {
  return Object.assign(
    new Error(
      `${NOT_REGULAR}: not a regular file (a named pipe, a socket or a device), ${syscall} '${path}'`,
    ),
    { code: NOT_REGULAR, syscall, path },
  )
}
