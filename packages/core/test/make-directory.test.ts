import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { makeDirectory } from '../src/internal.js'

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

describe('makeDirectory', () => {
  const readOnly = readOnlyMount()

  afterAll(() => {
    if (readOnly !== undefined) execFileSync('umount', [readOnly])
    rmSync(scratch, { recursive: true, force: true })
  })

  test('makes a directory and those above it that are missing, and one that is there', async () => {
    const path = join(scratch, 'a', 'b', 'c')
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
  })

  // Node's own recursive mkdir says ENOENT there, as if a directory were missing.
  test.skipIf(readOnly === undefined)(
    'fails on a read-only file system with EROFS, however deep the path',
    async () => {
      await expect(makeDirectory(join(readOnly!, 'cache'))).rejects.toMatchObject({
        code: 'EROFS',
        path: join(readOnly!, 'cache'),
      })
      // The first directory missing is the one that cannot be made.
      await expect(makeDirectory(join(readOnly!, 'a', 'b', 'cache'))).rejects.toMatchObject({
        code: 'EROFS',
        path: join(readOnly!, 'a'),
      })
    },
  )
})
