import {
  InvalidArgumentError,
  InvalidOptionError,
  delayed,
  literal,
  toGraph,
  type Delayed,
} from '@taskgraph/core'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { criticalPath } from '../src/report/critical-path.js'
import { functionStats } from '../src/report/function-stats.js'
import { scriptJson } from '../src/report/html-text.js'
import { toReportData } from '../src/report/report-data.js'
import { timeAccounting } from '../src/report/time-accounting.js'
import {
  FileWriteError,
  Profiler,
  toChromeTrace,
  toReportHtml,
  writeChromeTrace,
  writeReport,
} from '../src/index.js'
import { poolThread, task } from './helpers.js'

// A run on two pool threads: `b` failed once and was retried; `d` waited 2 ms in the
// queue before it started (wall time counts from the first task queued, at 0).
const records = [
  task({ key: 'a', name: 'load', start: 0, end: 1, worker: poolThread(1) }),
  task({
    key: 'b',
    name: 'load',
    start: 0,
    end: 50,
    worker: poolThread(2),
    status: 'failed',
    error: new TypeError('no such file'),
  }),
  task({ key: 'd', name: 'slow', queued: 1, start: 3, end: 13, worker: poolThread(1) }),
  task({ key: 'b', name: 'load', start: 50, end: 55, worker: poolThread(2), attempt: 2 }),
  task({ key: 'c', name: 'join', start: 55, end: 57.5, worker: poolThread(2) }),
]

/** The graph the records ran: c needs a and b, d needs a; a and b read `numbers`. */
function graph() {
  const numbers = literal([1, 2], { name: 'numbers', key: 'numbers' })
  const load = delayed((xs: number[]) => xs, { name: 'load' })
  const slow = delayed((xs: number[]) => xs, { name: 'slow' })
  const join = delayed((x: number[], y: number[]) => [...x, ...y], { name: 'join' })
  const a = load.with({ key: 'a' })(numbers)
  const b = load.with({ key: 'b' })(numbers)
  return toGraph(join.with({ key: 'c' })(a, b), slow.with({ key: 'd' })(a))
}

const data = toReportData(toChromeTrace(records), 'run')

describe('toReportData', () => {
  test('keeps each attempt as a row of columns: shared strings once, times in whole µs', () => {
    const { startTime, ...columns } = data
    expect(startTime).toBe(new Date(1_700_000_000_000).toISOString())
    expect(columns).toMatchInlineSnapshot(`
      {
        "attempt": [
          1,
          1,
          1,
          2,
          1,
        ],
        "duration": [
          50000,
          1000,
          10000,
          5000,
          2500,
        ],
        "errors": [
          {
            "message": "TypeError: no such file",
            "row": 0,
          },
        ],
        "fn": [
          0,
          0,
          1,
          0,
          2,
        ],
        "functions": [
          "load",
          "slow",
          "join",
        ],
        "keys": [
          "b",
          "a",
          "d",
          "b",
          "c",
        ],
        "name": "run",
        "start": [
          0,
          0,
          3000,
          50000,
          55000,
        ],
        "status": [
          1,
          0,
          0,
          0,
          0,
        ],
        "track": [
          1,
          0,
          0,
          1,
          1,
        ],
        "tracks": [
          "threads of pid 4242 / thread 1",
          "threads of pid 4242 / thread 2",
        ],
      }
    `)
  })

  test('escapes what would end the script element it is embedded in', () => {
    const text = scriptJson({ key: '</script><script>alert(1)</script>' })
    expect(text).not.toContain('<')
    expect(JSON.parse(text)).toEqual({ key: '</script><script>alert(1)</script>' })
  })
})

describe('functionStats', () => {
  test('counts, totals, means, maxima and failures of each function, costliest first', () => {
    expect(functionStats(data)).toEqual([
      {
        name: 'load',
        count: 3,
        totalUs: 56000,
        meanUs: 18667,
        maxUs: 50000,
        failures: 1,
        cached: 0,
      },
      {
        name: 'slow',
        count: 1,
        totalUs: 10000,
        meanUs: 10000,
        maxUs: 10000,
        failures: 0,
        cached: 0,
      },
      { name: 'join', count: 1, totalUs: 2500, meanUs: 2500, maxUs: 2500, failures: 0, cached: 0 },
    ])
  })

  test('counts results read from the cache apart from attempts', () => {
    const withCache = [
      ...records,
      task({ key: 'e', name: 'load', start: 0, end: 0, status: 'cached' }),
      task({ key: 'f', name: 'parse', start: 0, end: 0, status: 'cached' }),
    ]
    const stats = functionStats(toReportData(toChromeTrace(withCache), 'cached'))
    expect(stats.find((s) => s.name === 'load')).toMatchObject({
      count: 3,
      totalUs: 56000,
      cached: 1,
    })
    expect(stats.find((s) => s.name === 'parse')).toEqual({
      name: 'parse',
      count: 0,
      totalUs: 0,
      meanUs: 0,
      maxUs: 0,
      failures: 0,
      cached: 1,
    })
  })
})

describe('timeAccounting', () => {
  test('wall time from the first queued to the last end; idle is the slots’ time left', () => {
    expect(timeAccounting(records, data)).toEqual({
      wallUs: 57500,
      busyUs: 68500,
      slots: 2,
      idleUs: 2 * 57500 - 68500,
    })
  })

  test('a run of no records took no time', () => {
    expect(timeAccounting([], toReportData(toChromeTrace([]), 'none'))).toEqual({
      wallUs: 0,
      busyUs: 0,
      slots: 0,
      idleUs: 0,
    })
  })
})

describe('criticalPath', () => {
  test('is the longest chain of tasks, each weighing its last attempt; data weighs nothing', () => {
    // Counting b's failed first attempt (50 ms) would make b → c the longest.
    expect(criticalPath(graph(), data)).toEqual({
      keys: ['a', 'd'],
      durationsUs: [1000, 10000],
      lengthUs: 11000,
    })
  })

  // It ended at the last task that added time: the quick steps after it, and the
  // target, were left out.
  test('ends with the tasks after the slow one that took no time', () => {
    const step = delayed((x: number) => x, { name: 'step' })
    const slow = step.with({ key: 'slow' })(1)
    const chain = step.with({ key: 'last' })(step.with({ key: 'quick' })(slow))
    const ran = toReportData(
      toChromeTrace([
        task({ key: 'slow', name: 'step', start: 0, end: 5 }),
        task({ key: 'quick', name: 'step', start: 5, end: 5 }),
        task({ key: 'last', name: 'step', start: 5, end: 5 }),
      ]),
      'chain',
    )
    expect(criticalPath(toGraph(chain), ran)).toEqual({
      keys: ['slow', 'quick', 'last'],
      durationsUs: [5000, 0, 0],
      lengthUs: 5000,
    })
  })

  // A run that failed: the target, after the slow chain, never ran. It was listed on
  // the path, with no function and no time, as a task the run went through.
  test('does not end with tasks that never ran', () => {
    const step = delayed((x: number) => x, { name: 'step' })
    const slow = step.with({ key: 'slow' })(1)
    const target = step.with({ key: 'target' })(step.with({ key: 'quick' })(slow))
    const ran = toReportData(
      toChromeTrace([
        task({ key: 'slow', name: 'step', start: 0, end: 5 }),
        task({ key: 'quick', name: 'step', start: 5, end: 5 }),
      ]),
      'failed',
    )
    expect(criticalPath(toGraph(target), ran)).toEqual({
      keys: ['slow', 'quick'],
      durationsUs: [5000, 0],
      lengthUs: 5000,
    })
  })

  test('tasks that never ran weigh nothing', () => {
    const only = toReportData(toChromeTrace(records.filter((r) => r.key === 'c')), 'c only')
    expect(criticalPath(graph(), only)).toMatchObject({ keys: ['c'], lengthUs: 2500 })
  })
})

describe('toReportHtml', () => {
  test('without a graph, the critical path and drawing say they need one', async () => {
    const html = await toReportHtml(records, { name: 'no graph' })
    expect(html).toContain('data-testid="path-needs-graph"')
    expect(html).toContain('data-testid="graph-needs-graph"')
    expect(html).not.toMatch(/<svg/)
  })

  test('with a graph, it has the path and two drawings, by duration and by status', async () => {
    const html = await toReportHtml(records, { graph: graph() })
    expect(html).toContain('data-testid="critical-path" data-tasks="2" data-us="11000"')
    expect(html.match(/<svg/g)).toHaveLength(2)
  })

  // "1,001 attempts of 1001 functions": the counts after the first had no separator.
  test('writes every count of its summary with thousands separators', async () => {
    const many = Array.from({ length: 1001 }, (_, i) =>
      task({ key: `f${i}-1`, name: `f${i}`, start: i, end: i + 1 }),
    )
    const html = await toReportHtml(many)
    expect(html).toContain('1,001 attempts of 1,001 functions')
  })

  test('does not lay out a graph of thousands of steps, and says so', async () => {
    // Chains of 40 functions, each function its own step: 1,600 steps and 1,560 edges.
    // Graphviz would take tens of seconds over both drawings, that nobody could read.
    const steps: Delayed<number>[] = []
    for (let i = 0; i < 1600; i++) {
      const step = delayed((x: number) => x + 1, { name: `step${i}` })
      steps.push(step(i % 40 === 0 ? 0 : steps[i - 1]!))
    }
    const html = await toReportHtml(records, { graph: toGraph(steps) })
    expect(html).toContain('data-testid="graph-not-drawn"')
    expect(html).not.toMatch(/<svg/)
  })

  test.each([[{ colour: 'status' }], [{ name: 42 }], [{ graph: new Map() }], ['report']])(
    'refuses options %j with InvalidOptionError',
    async (options) => {
      await expect(toReportHtml(records, options as never)).rejects.toBeInstanceOf(
        InvalidOptionError,
      )
      await expect(writeReport('unused.html', records, options as never)).rejects.toMatchObject({
        code: 'ERR_INVALID_OPTION',
      })
    },
  )

  // Records that are not an array failed as "Cannot read properties of null (reading 'filter')".
  test.each([[null], [undefined], [{ records: [] }]])(
    'refuses records %j with InvalidArgumentError',
    async (given) => {
      const bad = given as never
      await expect(toReportHtml(bad)).rejects.toBeInstanceOf(InvalidArgumentError)
      await expect(writeReport('unused.html', bad)).rejects.toBeInstanceOf(InvalidArgumentError)
      await expect(writeChromeTrace('unused.json', bad)).rejects.toBeInstanceOf(
        InvalidArgumentError,
      )
      expect(() => toChromeTrace(bad)).toThrow(InvalidArgumentError)
    },
  )

  // A record that was not one failed as "Cannot read properties of null (reading
  // 'startedAt')", or made a page of no tasks.
  test.each([
    ['null', null],
    ['a number', 42],
    ['an empty object', {}],
    ['no startedAt', { ...records[0], startedAt: undefined }],
    ['an endedAt that is a string', { ...records[0], endedAt: '2' }],
    ['no worker', { ...records[0], worker: null }],
    ['an unknown status', { ...records[0], status: 'ok' }],
  ])('refuses a record with %s with InvalidArgumentError', async (_, record) => {
    const bad = [records[0], record] as never
    const refused = { code: 'ERR_INVALID_ARGUMENT' }
    await expect(toReportHtml(bad)).rejects.toBeInstanceOf(InvalidArgumentError)
    await expect(toReportHtml(bad)).rejects.toMatchObject(refused)
    await expect(writeReport('unused.html', bad)).rejects.toMatchObject(refused)
    await expect(writeChromeTrace('unused.json', bad)).rejects.toMatchObject(refused)
    expect(() => toChromeTrace(bad)).toThrow(InvalidArgumentError)
  })

  test('refuses a path that is not a string with InvalidArgumentError', async () => {
    await expect(writeReport(42 as never, records)).rejects.toBeInstanceOf(InvalidArgumentError)
    await expect(writeChromeTrace(42 as never, records)).rejects.toBeInstanceOf(
      InvalidArgumentError,
    )
  })

  test.each([
    ['a directory', (dir: string) => dir, 'EISDIR'],
    ['under a regular file', (dir: string) => join(dir, 'file', 'out'), 'ENOTDIR'],
    ['in a directory that does not exist', (dir: string) => join(dir, 'none', 'out'), 'ENOENT'],
  ])('a path %s is a FileWriteError, with the file system error as cause', async (_, at, errno) => {
    const dir = await mkdtemp(join(tmpdir(), 'taskgraph-observe-'))
    try {
      await writeFile(join(dir, 'file'), '')
      const path = at(dir)
      for (const write of [writeReport, writeChromeTrace]) {
        const error = await write(path, records).catch((caught: unknown) => caught)
        expect(error).toBeInstanceOf(FileWriteError)
        expect(error).toMatchObject({ code: 'ERR_FILE_WRITE', path, cause: { code: errno } })
      }
      expect(await readdir(dir)).toEqual(['file'])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  test('Profiler#report is the report of the records it collected', async () => {
    const profiler = new Profiler()
    for (const record of records) profiler.hooks.onTaskRecord?.(record)
    expect(await profiler.report({ name: 'profiled' })).toBe(
      await toReportHtml(records, { name: 'profiled' }),
    )
  })
})
