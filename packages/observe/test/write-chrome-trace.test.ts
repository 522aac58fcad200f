import { chmod, lstat, mkdtemp, readFile, readdir, rm, stat, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { TaskRecord } from '@taskgraph/scheduler'
import { afterEach, describe, expect, test } from 'vitest'
import { toChromeTrace, writeChromeTrace } from '../src/index.js'
import { attempts, expectValidJson, mainThread, poolThread, task } from './helpers.js'

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((clean) => clean()))
})

async function tempFile(name: string): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'taskgraph-observe-'))
  cleanup.push(() => rm(folder, { recursive: true, force: true }))
  return join(folder, name)
}

/**
 * `count` records of a busy run: 8 pool threads running tasks back to back (fused chains
 * that touch) and the main thread interleaving up to 5 tasks at once, one attempt in 50
 * failing and retried, one in 400 cancelled.
 */
function busyRun(count: number): TaskRecord[] {
  const records: TaskRecord[] = []
  const clocks = new Array<number>(9).fill(0)
  for (let i = 0; i < count; i++) {
    const slot = i % 9
    const length = 0.01 + ((i * 7919) % 97) / 1000
    const start = slot === 8 ? (i / 9) * 0.02 : clocks[slot]!
    const end = start + length
    if (slot < 8) clocks[slot] = i % 3 === 0 ? end : end + 0.001
    const failed = i % 50 === 0
    records.push(
      task({
        key: `step-${i}`,
        worker: slot === 8 ? mainThread : poolThread(slot + 1),
        queued: Math.max(0, start - 0.5),
        start,
        end,
        status: failed ? 'failed' : i % 400 === 1 ? 'cancelled' : 'done',
        attempt: i % 50 === 1 ? 2 : 1,
        error: failed ? new Error(`step ${i} failed`) : undefined,
      }),
    )
  }
  return records
}

describe('writeChromeTrace', () => {
  test('writes the trace toChromeTrace makes, as JSON', async () => {
    const records = busyRun(200)
    const path = await tempFile('small.json')
    await writeChromeTrace(path, records, { name: 'small' })
    const written: unknown = JSON.parse(await readFile(path, 'utf8'))
    expect(written).toEqual(JSON.parse(JSON.stringify(toChromeTrace(records, { name: 'small' }))))
  })

  test('writes a valid trace of 100,000 records', async () => {
    const records = busyRun(100_000)
    const path = await tempFile('large.json')
    await writeChromeTrace(path, records)
    const events = expectValidJson(await readFile(path, 'utf8'))
    expect(attempts(events)).toHaveLength(100_000)
    expect(events.filter((event) => event.ph === 'i')).toHaveLength(2000)
    const threadNames = events.filter((event) => event.name === 'thread_name')
    expect(threadNames.length).toBeGreaterThan(9)
  })

  test('writes an empty trace', async () => {
    const path = await tempFile('empty.json')
    await writeChromeTrace(path, [])
    expect(expectValidJson(await readFile(path, 'utf8'))).toEqual([])
  })

  test('a write that fails partway leaves the file that was there, and nothing beside it', async () => {
    const path = await tempFile('kept.json')
    await writeChromeTrace(path, busyRun(10))
    const before = await readFile(path, 'utf8')
    // An event that cannot be written as JSON, past the first batch of 5,000.
    const records = busyRun(6000)
    const unwritable = {
      toJSON() {
        throw new RangeError('cannot be written')
      },
    }
    records[5500] = { ...records[5500]!, executor: unwritable as unknown as string }
    await expect(writeChromeTrace(path, records)).rejects.toBeInstanceOf(RangeError)
    expect(await readFile(path, 'utf8')).toBe(before)
    expect(await readdir(dirname(path))).toEqual(['kept.json'])
  })

  test('a file written again keeps its permissions', async () => {
    const path = await tempFile('shared.json')
    await writeChromeTrace(path, [])
    await chmod(path, 0o640)
    await writeChromeTrace(path, busyRun(3))
    expect((await stat(path)).mode & 0o777).toBe(0o640)
  })

  test('writes through a symbolic link to the file it names', async () => {
    const path = await tempFile('target.json')
    const link = join(dirname(path), 'link.json')
    await symlink(path, link)
    await writeChromeTrace(link, [])
    await writeChromeTrace(link, busyRun(3))
    expect((await lstat(link)).isSymbolicLink()).toBe(true)
    expect(attempts(expectValidJson(await readFile(path, 'utf8')))).toHaveLength(3)
  })
})
