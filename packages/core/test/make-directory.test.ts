import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { makeDirectory, makeDirectorySync } from '../src/internal.js'

const scratch = mkdtempSync(join(tmpdir(), 'taskgraph-mkdir-'))

/**
 * A read-only file system mounted at a new directory of `scratch` (a tmpfs), or
 * `undefined` where this process may not mount one (not root, or no CAP_SYS_ADMIN).
 */
function readOnlyMount(): string | undefined {
  const path = join(scratch, 'read-only')
  mkdirSync(path)
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', path], { stdio: 'ignore' })
    return path
  } catch {
    return undefined
  }
}

const readOnly = readOnlyMount()

afterAll(() => {
  if (readOnly !== undefined) execFileSync('umount', [readOnly])
  rmSync(scratch, { recursive: true, force: true })
})

// Two making one tree at once: one found the parent missing, then there (the other had
// made it meanwhile), and took that for a file system that makes nothing: ENOENT. Seen with
// two threads making a parallel property's cache directory; in one process, between the
// steps of the asynchronous one.
test('makers of one tree at once all make their directories', async () => {
  for (let round = 0; round < 20; round++) {
    const paths = Array.from({ length: 8 }, (_, i) =>
      join(scratch, 'at-once', String(round), 'a', 'b', `c${i}`),
    )
    await Promise.all(paths.map((path) => makeDirectory(path)))
    for (const path of paths) expect(statSync(path).isDirectory()).toBe(true)
  }
})

// makeDirectorySync, as a promise: both are checked alike.
const madeSync = (path: string): Promise<void> =>
  new Promise((resolve) => {
    makeDirectorySync(path)
    resolve()
  })

describe.each([
  ['makeDirectory', makeDirectory],
  ['makeDirectorySync', madeSync],
])('%s', (name, makeDirectory) => {
  test('makes a directory and those above it that are missing, and one that is there', async () => {
    const path = join(scratch, name, 'a', 'b', 'c')
    await makeDirectory(path)
    expect(statSync(path).isDirectory()).toBe(true)
    await makeDirectory(path)
    expect(statSync(path).isDirectory()).toBe(true)
  })

  test('fails with what is in the way: a file', async () => {
    writeFileSync(join(scratch, 'file'), '')
    await expect(makeDirectory(join(scratch, 'file', 'sub'))).rejects.toMatchObject({
      code: 'ENOTDIR',
    })
    await expect(makeDirectory(join(scratch, 'file'))).rejects.toMatchObject({ code: 'EEXIST' })
  })

  // Node's recursive mkdir tries /proc again and again: `--cache /proc/x` held the command
  // at 100% CPU. The file system's own answer instead, however deep the path.
  test.skipIf(process.platform !== 'linux')(
    'fails where the file system makes nothing, though the parent is there (/proc)',
    async () => {
      await expect(makeDirectory('/proc/taskgraph-cache')).rejects.toMatchObject({
        code: 'ENOENT',
        path: '/proc/taskgraph-cache',
      })
      await expect(makeDirectory('/proc/taskgraph/cache')).rejects.toMatchObject({
        code: 'ENOENT',
        path: '/proc/taskgraph',
      })
    },
  )

  // Node's own recursive mkdir says ENOENT there, as if a directory were missing.
  test.skipIf(readOnly === undefined)(
    'fails on a read-only file system with EROFS, however deep the path',
    async () => {
      await expect(makeDirectory(join(readOnly!, name))).rejects.toMatchObject({
        code: 'EROFS',
        path: join(readOnly!, name),
      })
      // The first directory missing is the one that cannot be made.
      await expect(makeDirectory(join(readOnly!, 'a', 'b', name))).rejects.toMatchObject({
        code: 'EROFS',
        path: join(readOnly!, 'a'),
      })
    },
  )
})
