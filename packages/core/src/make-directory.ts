import { mkdirSync, statSync } from 'node:fs'
import { mkdir, stat } from 'node:fs/promises'
import { dirname } from 'node:path'

// Makes a directory as `mkdir -p` does, without Node's recursive mkdir, which goes wrong
// where a file system makes nothing:
// - where mkdir fails with ENOENT although the parent is there (/proc, /sys, some FUSE
//   mounts), it tries the parent, finds it, tries again, for ever: `--cache /proc/x`
//   held the command at 100% CPU;
// - where it cannot make a directory on a read-only or full file system, or in one it may
//   not write to, it fails with ENOENT, "no such file or directory" (nodejs/node#47098,
//   #42808, #31481), which sends the user looking for a missing directory.
// Here each directory is made alone, the missing ones from the top down: a failure is
// the one of the directory that could not be made, with the file system's reason.

/** Makes `path` and the directories above it that are missing. */
export async function makeDirectory(path: string): Promise<void> {
  try {
    await mkdir(path)
  } catch (error) {
    if (isExisting(error)) {
      // Another process made it meanwhile, or a file is in the way (told as EEXIST).
      if (!(await isDirectory(path))) throw error
      return
    }
    const parent = dirname(path)
    if (!isNoEntry(error) || parent === path) throw error
    // ENOENT with the parent there: another process made the parent meanwhile (two making
    // one tree at once), or this file system makes nothing here. One more try tells which.
    if (await isDirectory(parent)) return makeLast(path)
    await makeDirectory(parent)
    await makeDirectory(path)
  }
}

/** Makes `path`, whose parent is there, once: a failure is the file system's. */
async function makeLast(path: string): Promise<void> {
  try {
    await mkdir(path)
  } catch (error) {
    if (!isExisting(error) || !(await isDirectory(path))) throw error
  }
}

/** `makeDirectory`, at once. */
export function makeDirectorySync(path: string): void {
  try {
    mkdirSync(path)
  } catch (error) {
    if (isExisting(error)) {
      if (!isDirectorySync(path)) throw error
      return
    }
    const parent = dirname(path)
    if (!isNoEntry(error) || parent === path) throw error
    if (isDirectorySync(parent)) return makeLastSync(path)
    makeDirectorySync(parent)
    makeDirectorySync(path)
  }
}

/** `makeLast`, at once. */
function makeLastSync(path: string): void {
  try {
    mkdirSync(path)
  } catch (error) {
    if (!isExisting(error) || !isDirectorySync(path)) throw error
  }
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (info) => info.isDirectory(),
    () => false,
  )
}

function isDirectorySync(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

const isNoEntry = (error: unknown): boolean => (error as { code?: unknown }).code === 'ENOENT'
const isExisting = (error: unknown): boolean => (error as { code?: unknown }).code === 'EEXIST'
