import { createHash, randomBytes } from 'node:crypto'
import { statSync } from 'node:fs'
import { readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { InvalidOptionError } from '@taskgraph/core'
import { makeDirectory } from '@taskgraph/core/internal'
import type { ResultStore, StoreEntry } from './result-store.js'

/**
 * Results as files in a directory every machine of the cluster mounts (`file:///mnt/tg`):
 * one directory per scope, one file per key, named by a hash of the key (task keys may
 * hold any character). It cannot tell whether a scope is still open: the store that
 * indexes it (tiered-store.ts) does, and removes what it wrote too late.
 */
export class FileStore implements ResultStore {
  readonly directory: string

  constructor(caller: string, url: string) {
    if (!url.startsWith('file:')) {
      throw new InvalidOptionError({
        message: `${caller}: the store ${JSON.stringify(url)} is not a file:// URL. Give the shared directory where large results go, e.g. file:///mnt/shared/taskgraph.`,
      })
    }
    try {
      this.directory = fileURLToPath(url)
    } catch (error) {
      throw new InvalidOptionError({
        message: `${caller}: the store ${JSON.stringify(url)} is not a file:// URL of this machine (${(error as Error).message}). Give the shared directory where large results go, e.g. file:///mnt/shared/taskgraph.`,
      })
    }
    // The directory is a mount every machine shares: one that is not there is a typo or a
    // mount that failed, which making it here would hide until a result went missing on
    // another machine.
    let problem: string | undefined
    try {
      if (!statSync(this.directory).isDirectory()) problem = 'is not a directory'
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      problem = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(error)})`
    }
    if (problem !== undefined) {
      throw new InvalidOptionError({
        message: `${caller}: the store ${JSON.stringify(url)} names ${this.directory}, which ${problem}. Give the shared directory every machine mounts, mounted or made before the driver and the workers start.`,
      })
    }
  }

  /** Rejects with `SharedFileUnwritten` if the file system refuses (a full disk). */
  async put(scope: string, entries: readonly StoreEntry[]): Promise<boolean> {
    if (entries.length === 0) return true
    try {
      await makeDirectory(join(this.directory, scope))
      await Promise.all(entries.map(({ key, bytes }) => this.write(this.path(scope, key), bytes)))
    } catch (error) {
      throw new SharedFileUnwritten(this.directory, error as Error)
    }
    return true
  }

  /**
   * Writes `path` whole or not at all, by a temporary file renamed into place: a task run
   * twice (its job taken over from a worker thought lost) writes its result again while
   * other workers read it, and a disk that fills up meanwhile would leave half of it.
   */
  private async write(path: string, bytes: Buffer): Promise<void> {
    // A key's file name is base64url: no '.' in it, so no key is ever named so.
    const temporary = `${path}.${process.pid}-${randomBytes(6).toString('hex')}`
    try {
      await writeFile(temporary, bytes)
      await rename(temporary, path)
    } catch (error) {
      await rm(temporary, { force: true }).catch(() => {})
      throw error
    }
  }

  /** The values of `keys`, `undefined` for a file that is not there; other failures reject. */
  get(scope: string, keys: readonly string[]): Promise<(Buffer | undefined)[]> {
    return Promise.all(
      keys.map((key) =>
        readFile(this.path(scope, key)).catch((error: unknown) => {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
          throw error
        }),
      ),
    )
  }

  async delete(scope: string, keys: readonly string[]): Promise<void> {
    await Promise.all(keys.map((key) => rm(this.path(scope, key), { force: true })))
  }

  async clear(scope: string): Promise<void> {
    await rm(join(this.directory, scope), { recursive: true, force: true })
  }

  /** The file that holds (or would hold) the value of `key` in `scope`. */
  path(scope: string, key: string): string {
    // Hashed as UTF-16 code units: as UTF-8, keys differing in a lone surrogate would
    // share a file.
    return join(
      this.directory,
      scope,
      createHash('sha256').update(key, 'utf16le').digest('base64url'),
    )
  }
}

/**
 * A result the index (Redis) says is in the shared directory, which this machine's
 * directory does not hold: it is not the one the machine that stored it wrote to.
 */
export class SharedFileMissing extends Error {
  constructor(directory: string, count: number) {
    super(
      `Redis lists ${count === 1 ? 'a result' : `${count} results`} of the run in the shared directory, but ${directory} here holds no such file: the driver and every worker must mount the same directory, each at the path its --store gives`,
    )
  }
}

/**
 * Results of a job could not be written to the shared directory (full, read-only, not
 * mounted): the message names the directory, which the file system's error may not.
 */
export class SharedFileUnwritten extends Error {
  constructor(directory: string, cause: Error) {
    super(`could not write to the shared directory ${directory}: ${cause.message}`, { cause })
  }
}
