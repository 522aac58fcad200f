import { mkdir, stat } from 'node:fs/promises'
import { dirname } from 'node:path'

// Node's recursive mkdir fails with ENOENT, "no such file or directory", where it cannot
// make a directory on a read-only or full file system, or in a directory it may not write
// to (nodejs/node#47098, #42808, #31481): a message that sends the user looking for a
// missing directory. This makes the directory as `mkdir -p` does, and on that ENOENT
// makes the first missing directory alone, whose failure says what stopped it.

/** Makes `path` and the directories above it that are missing. */
export async function makeDirectory(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true })
  } catch (error) {
    if (!isNoEntry(error)) throw error
    const missing = await firstMissing(path)
    if (missing === undefined) throw error
    try {
      await mkdir(missing)
    } catch (cause) {
      if (!isExisting(cause)) throw isNoEntry(cause) ? error : cause
    }
    // Made, here or by another process meanwhile: the rest of the way.
    await mkdir(path, { recursive: true })
  }
}

/** The highest directory of `path` that is missing, if its parent is there. */
async function firstMissing(path: string): Promise<string | undefined> {
  for (let missing = path; ;) {
    const parent = dirname(missing)
    if (parent === missing) return undefined
    try {
      await stat(parent)
      return missing
    } catch (error) {
      if (!isNoEntry(error)) return undefined
      missing = parent
    }
  }
}

const isNoEntry = (error: unknown): boolean => (error as { code?: unknown }).code === 'ENOENT'
const isExisting = (error: unknown): boolean => (error as { code?: unknown }).code === 'EEXIST'
