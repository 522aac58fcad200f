import { readdir } from 'node:fs/promises'

// What the cache makes of a file system call that failed: a file or directory that is not
// there (never made, or removed by another run) is nothing to read, a full disk is room
// to make, anything else is told. Shared by the modules of `DiskCache`, so that they
// agree.

export async function readdirOrNone(path: string): Promise<string[]> {
  return readdir(path).catch(noneIfAbsent([]))
}

export function undefinedIfGone(error: unknown): undefined {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
  throw error
}

/**
 * What a read that found nothing gives (`none`): nothing there, or something else than
 * what the cache puts there (the next write says so). Any other failure (EACCES) is
 * thrown: a cache that cannot be read is not an empty one.
 */
export function noneIfAbsent<T>(none: T): (error: unknown) => T {
  return (error) => {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return none
    throw error
  }
}

/**
 * What a read of a file that is not there gives (`none`). A directory in its place is
 * told (EISDIR), as anything else is: read as nothing, the cache's index hid every
 * packed entry from `taskgraph cache ls`, and a prune removed them all as unlisted.
 */
export function noneIfMissing<T>(none: T): (error: unknown) => T {
  return (error) => {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return none
    throw error
  }
}

/** Whether `error` says the disk, or the user's quota on it, is full. */
export function isFull(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code
  return code === 'ENOSPC' || code === 'EDQUOT'
}

export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}
