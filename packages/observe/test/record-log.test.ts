import { describe, expect, test } from 'vitest'
import { RecordLog } from '../src/record-log.js'
import { mainThread, poolThread, task } from './helpers.js'

describe('RecordLog', () => {
  // Records are kept in chunks of 4,096: what comes back must not depend on where they fall.
  test('gives back every record as it was added, across many chunks, and after clear', () => {
    const log = new RecordLog()
    const made = Array.from({ length: 10_000 }, (_, i) =>
      task({
        key: `${i % 3 === 0 ? 'load' : 'inc'}-${i}`,
        start: i,
        end: i + 0.5,
        queued: i - 0.25,
        worker: i % 2 === 0 ? mainThread : poolThread(i % 5),
        attempt: 1 + (i % 4),
        ...(i % 1000 === 7 ? { status: 'failed' as const, error: new Error(`task ${i}`) } : {}),
        ...(i % 777 === 0 ? { status: 'cancelled' as const } : {}),
        ...(i % 500 === 3 ? { resultBytes: i * 8 } : {}),
      }),
    )
    for (const record of made) log.add(record)
    expect(log.length).toBe(10_000)
    expect(log.records()).toEqual(made)

    log.clear()
    expect(log.length).toBe(0)
    expect(log.records()).toEqual([])
    for (const record of made.slice(4090, 4100)) log.add(record)
    expect(log.records()).toEqual(made.slice(4090, 4100))
  })
})
