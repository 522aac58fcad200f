import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { InvalidArgumentError } from '@taskgraph/core'
import { afterEach, describe, expect, test } from 'vitest'
import {
  InvalidTraceError,
  readTraceStates,
  toChromeTrace,
  writeChromeTrace,
} from '../src/index.js'
import { task } from './helpers.js'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

describe('readTraceStates', () => {
  test("gives each task's status and duration in ms, from the trace object", () => {
    const trace = toChromeTrace([
      task({ key: 'load-1', start: 0, end: 12.5 }),
      task({ key: 'load-2', start: 1, end: 2, status: 'failed', error: new Error('no file') }),
      task({ key: 'sum', start: 13, end: 13.25, status: 'cancelled' }),
    ])
    expect(readTraceStates(trace)).toEqual(
      new Map([
        ['load-1', { status: 'done', durationMs: 12.5 }],
        ['load-2', { status: 'failed', durationMs: 1 }],
        ['sum', { status: 'cancelled', durationMs: 0.25 }],
      ]),
    )
  })

  test('takes the last attempt of a task that was retried', () => {
    const trace = toChromeTrace([
      task({ key: 'flaky', start: 0, end: 3, status: 'failed', attempt: 1, error: 'timeout' }),
      task({ key: 'flaky', start: 4, end: 6, attempt: 2 }),
    ])
    expect(readTraceStates(trace).get('flaky')).toEqual({ status: 'done', durationMs: 2 })
  })

  test('reads the file writeChromeTrace writes, as text', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'read-trace-'))
    cleanups.push(() => rm(dir, { recursive: true, force: true }))
    const path = join(dir, 'run.json')
    await writeChromeTrace(path, [task({ key: 'a', start: 0, end: 1 })])
    expect(readTraceStates(await readFile(path, 'utf8'))).toEqual(
      new Map([['a', { status: 'done', durationMs: 1 }]]),
    )
  })

  test('reads a trace of no tasks as no states', () => {
    expect(readTraceStates(toChromeTrace([])).size).toBe(0)
  })

  test.each<[string, unknown]>([
    ['text that is not JSON', '{"traceEvents": ['],
    ['an array of events', '[{"ph": "X", "name": "a", "ts": 0, "dur": 1}]'],
    ['an object without traceEvents', { displayTimeUnit: 'ms' }],
    ["a trace that is not taskgraph's (no metadata)", { traceEvents: [] }],
    [
      'a complete event without task args',
      {
        traceEvents: [{ ph: 'X', name: 'a', ts: 0, dur: 1, pid: 1, tid: 1 }],
        metadata: { records: 1 },
      },
    ],
    ['null', null],
  ])('refuses %s with InvalidTraceError', (_, trace) => {
    expect(() => readTraceStates(trace)).toThrow(InvalidTraceError)
    expect(() => readTraceStates(trace)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_TRACE' }),
    )
    // An argument error, as callers that sort errors by kind expect.
    expect(() => readTraceStates(trace)).toThrow(InvalidArgumentError)
  })
})
