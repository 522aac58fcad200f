import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { threadId } from 'node:worker_threads'
import type { Delayed } from '@taskgraph/core'
import { compute } from '@taskgraph/scheduler'
import { afterAll, describe, expect, test } from 'vitest'
import { nextTurn } from './helpers.js'
import { makePool, POOLS } from './pools.js'

// A function reference carries a hash of its module's source: a worker whose copy of
// the module is not the source the caller read does not run the function, which then
// runs on the main thread.

const dir = mkdtempSync(join(tmpdir(), 'taskgraph-source-hash-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A task module of version `version`, at a path of its own. */
function writeModule(file: string, version: number): string {
  const core = import.meta.resolve('@taskgraph/core')
  writeFileSync(
    file,
    `import { threadId } from 'node:worker_threads'
import { delayed } from ${JSON.stringify(core)}
export const version = delayed(function version() {
  return { version: ${version}, pid: process.pid, threadId }
})
`,
  )
  return pathToFileURL(file).href
}

describe.each(POOLS)('on the %s executor', (name) => {
  test('a worker whose copy of the module changed leaves the task to this thread', async () => {
    const url = writeModule(join(dir, `${name}-tasks.mjs`), 1)
    const { version } = (await import(url)) as {
      version: () => Delayed<{ version: number; pid: number; threadId: number }>
    }
    const before = makePool(name, { workers: 1 })
    try {
      const [ran] = await compute(version(), { executor: before })
      expect(ran.version).toBe(1)
      expect(`${ran.pid}:${ran.threadId}`).not.toBe(`${process.pid}:${threadId}`)
    } finally {
      await before.close()
    }
    // New workers import the module as it is now: not what this process loaded.
    writeModule(join(dir, `${name}-tasks.mjs`), 2)
    const after = makePool(name, { workers: 1 })
    const warnings: (Error & { code?: string })[] = []
    const listen = (warning: Error): number => warnings.push(warning)
    process.on('warning', listen)
    try {
      const [ran] = await compute(version(), { executor: after })
      await nextTurn()
      expect(ran).toEqual({ version: 1, pid: process.pid, threadId })
    } finally {
      process.off('warning', listen)
      await after.close()
    }
    expect(warnings.map((warning) => warning.code)).toEqual(['TASKGRAPH_MAIN_THREAD'])
    expect(warnings[0]!.message).toMatch(/not the source the caller has/)
  })
})
