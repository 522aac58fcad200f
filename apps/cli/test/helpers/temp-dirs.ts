import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const cleanups: (() => Promise<void>)[] = []

/** A fresh directory under os.tmpdir(), outside any project; removed by `cleanUp`. */
export async function makeTempDir(prefix = 'taskgraph-cli-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/**
 * Removes the directories made so far: `afterEach(cleanUp)`, or `afterAll(cleanUp)` in a
 * file whose tests run concurrently.
 */
export async function cleanUp(): Promise<void> {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()))
}
