import { randomBytes } from 'node:crypto'
import { rename, rm, stat, writeFile } from 'node:fs/promises'
import { renameSync, rmSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { dirname, join } from 'node:path'
import { makeDirectory, makeDirectorySync } from '@taskgraph/core/internal'

// The cache's files written whole or not at all: each to a temporary file in the cache's
// `tmp` directory, then renamed into place, so that no run reads a file half written, and
// a process that dies while writing leaves only a temporary file (removed by `prune`).

// Temporary files left by a process that died while writing are removed by `prune`: at
// once when it is gone from this machine (the file is named by the machine and the
// process that writes it), else once they are this old: no write takes an hour.
const STALE_TEMPORARY_MS = 60 * 60 * 1000

// Runs on several machines may share a cache (a network file system): a process id means
// something only on the machine that names it. Host names hold letters, digits, dots and
// hyphens, which the name's parts are read back by (from its end).
const HOST = encodeURIComponent(hostname())

/** A new temporary file's name: its machine, its process, and a random part. */
function temporaryName(): string {
  return `${HOST}-${process.pid}-${randomBytes(6).toString('hex')}`
}

/**
 * Whether the temporary file `name` was written by a process of this machine that is
 * gone: a writer that died, whose file no one will rename. A process id used again since
 * counts as alive: its file waits for the hour.
 */
function writerGone(name: string): boolean {
  const match = /^(.*)-(\d+)-[0-9a-f]{12}$/.exec(name)
  if (match === null || match[1] !== HOST) return false
  const pid = Number(match[2])
  if (pid === process.pid) return false
  try {
    process.kill(pid, 0)
    return false
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH'
  }
}

/**
 * Writes files through the temporary directory `temporary`, making the directories on
 * the way once. `remade` is called when one of them, removed while the run goes on, was
 * made again (see `writeAtomically`): what was written before is gone. `beforeTemporary`,
 * before the temporary directory is made, the first thing made in a new directory (and
 * again after `remade`); what it throws fails the write, and nothing is made.
 */
export class AtomicWriter {
  readonly #temporary: string
  readonly #remade: () => void
  readonly #beforeTemporary: () => void
  readonly #madeDirectories = new Set<string>()

  constructor(temporary: string, remade: () => void, beforeTemporary: () => void = () => {}) {
    this.#temporary = temporary
    this.#remade = remade
    this.#beforeTemporary = beforeTemporary
  }

  /**
   * Writes `path` whole or not at all: to a temporary file, then renamed into place. A
   * directory removed while the run goes on (the cache cleared, by hand or by `taskgraph
   * cache clear`) is made again, once.
   */
  async writeAtomically(path: string, chunks: readonly Buffer[], again = true): Promise<void> {
    const temporary = join(this.#temporary, temporaryName())
    await Promise.all([this.#mkdir(this.#temporary), this.#mkdir(join(path, '..'))])
    try {
      await writeFile(temporary, chunks)
      await rename(temporary, path)
    } catch (error) {
      // What went wrong is the write's: removing the temporary file may fail the same way.
      await rm(temporary, { force: true }).catch(() => {})
      if (!again || (error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      this.#madeDirectories.clear()
      this.#remade()
      await this.writeAtomically(path, chunks, false)
    }
  }

  /**
   * `writeAtomically`, in this turn of the event loop when nothing goes wrong: only a
   * failure (a directory to make again, an error to tell rightly) takes the slower way.
   */
  async writeAtOnce(path: string, bytes: Buffer): Promise<void> {
    if (
      this.#mkdirNow(this.#temporary) &&
      this.#mkdirNow(dirname(path)) &&
      this.#writeNow(path, bytes)
    )
      return
    await this.writeAtomically(path, [bytes])
  }

  /** Makes `path` at once, or says it could not (for `makeDirectory` to say why). */
  #mkdirNow(path: string): boolean {
    if (this.#madeDirectories.has(path)) return true
    if (path === this.#temporary) this.#beforeTemporary()
    try {
      makeDirectorySync(path)
    } catch {
      return false
    }
    this.#made(path)
    return true
  }

  /**
   * `writeAtomically`, at once: `false` if a directory on the way is gone (removed
   * while the run goes on), for `writeAtomically` to make again.
   */
  #writeNow(path: string, bytes: Buffer): boolean {
    const temporary = join(this.#temporary, temporaryName())
    try {
      writeFileSync(temporary, bytes)
      renameSync(temporary, path)
      return true
    } catch (error) {
      // Removing the temporary file may fail the same way the write did.
      try {
        rmSync(temporary, { force: true })
      } catch {
        // The write's error is the one to tell.
      }
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
      throw error
    }
  }

  async #mkdir(path: string): Promise<void> {
    if (this.#madeDirectories.has(path)) return
    if (path === this.#temporary) this.#beforeTemporary()
    await makeDirectory(path)
    this.#made(path)
  }

  #made(path: string): void {
    this.#madeDirectories.add(path)
  }
}

/**
 * Removes those of `names`, the files in the temporary directory `temporary`, that a
 * process that died while writing left: a process of this machine that is gone, or any
 * whose file is older, at `now`, than any write takes.
 */
export async function removeStaleTemporaries(
  temporary: string,
  names: readonly string[],
  now: number,
): Promise<void> {
  await Promise.all(
    names.map(async (name) => {
      const path = join(temporary, name)
      const info = await stat(path).catch(() => undefined)
      if (info !== undefined && (writerGone(name) || now - info.mtimeMs > STALE_TEMPORARY_MS)) {
        await rm(path, { force: true })
      }
    }),
  )
}
