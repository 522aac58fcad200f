import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { gather } from '@taskgraph/core'
import {
  CancelledError,
  ExecutorClosedError,
  WorkerLostError,
  closeDefaultExecutors,
  compute,
} from '@taskgraph/scheduler'
import { afterEach, describe, expect, test } from 'vitest'
import { startsThenWaits } from './fixtures/fault-tasks.mjs'
import { spins, throwsInTimer, where } from './fixtures/pool-tasks.mjs'
import { expectNothingLeft, running } from './faults/leftovers.js'
import { lines, newLog } from './faults/logs.js'
import { HERE, rejection } from './helpers.js'
import { makePool, POOLS } from './pools.js'

// `executor: 'threads'` and `'processes'` run on pools kept for the program, one per kind
// and sizing (default-pools.ts). Each test ends them, so that it starts from none.
afterEach(() => closeDefaultExecutors())

/** Where each task of a run of `tags.length` `where` tasks ran, as `pid:threadId`. */
async function placesOf(options: Parameters<typeof compute>[1], tags = ['a', 'b']) {
  const [seen] = await compute(gather(tags.map((tag) => where(tag))), options)
  return seen.map(({ pid, threadId }) => `${pid}:${threadId}`)
}

describe.each(POOLS)('the default %s pool', (name) => {
  const options = { executor: name, workers: 2 }

  test('ten computes start its workers once, and none runs a task here', async () => {
    const places = new Set<string>()
    for (let i = 0; i < 10; i++) for (const place of await placesOf(options)) places.add(place)
    expect(places.size).toBeGreaterThanOrEqual(1)
    expect(places.size).toBeLessThanOrEqual(2)
    expect(places).not.toContain(HERE)
  })

  test('runs at once share it; another sizing has a pool of its own', async () => {
    const first = new Set(await placesOf(options, ['a', 'b', 'c', 'd']))
    const runs = await Promise.all([1, 2, 3].map(() => placesOf(options)))
    for (const place of runs.flat()) expect(first).toContain(place)
    const other = await placesOf({ executor: name, workers: 1 })
    for (const place of other) expect(first).not.toContain(place)
  })

  test('a worker a task crashed is replaced, and the pool carries on', async () => {
    const before = new Set(await placesOf(options))
    const error = await rejection(compute(throwsInTimer(), options))
    expect(error).toBeInstanceOf(WorkerLostError)
    expect(await placesOf(options)).toHaveLength(2)
    // The pool is the same one: at most the crashed worker is new. (Which of its workers
    // the next tasks go to is the pool's choice: four tiny ones may go to one.)
    const after = new Set(await placesOf(options, ['a', 'b', 'c', 'd']))
    expect([...after].filter((place) => !before.has(place)).length).toBeLessThanOrEqual(1)
  })

  test('a task of a cancelled run is stopped: the worker is free for the next run', async () => {
    const controller = new AbortController()
    const one = { executor: name, workers: 1 }
    const hooks = { onTaskStart: () => controller.abort() }
    const run = compute(spins(), { ...one, signal: controller.signal, hooks })
    expect(await rejection(run)).toBeInstanceOf(CancelledError)
    // Its only worker ran the task that never ends: this run waits for ever otherwise.
    expect(await placesOf(one, ['after'])).toHaveLength(1)
  })

  test('closed, it is never handed out again: the next run starts a new one', async () => {
    const log = newLog()
    const before = new Set(await placesOf(options))
    const run = rejection(compute(startsThenWaits(log, 10_000), options))
    await expect.poll(() => lines(log), { timeout: 10_000 }).toEqual(['started'])
    await closeDefaultExecutors()
    expect(await run).toBeInstanceOf(ExecutorClosedError)
    const after = await placesOf(options)
    for (const place of after) expect(before).not.toContain(place)
  })

  test('an Executor of your own is closed by you, never by a run', async () => {
    const start = running()
    const pool = makePool(name, { workers: 1 })
    const own = { executor: pool }
    const [first] = await placesOf(own, ['a'])
    expect(await placesOf(own, ['b'])).toEqual([first])
    await pool.close()
    await expectNothingLeft(start)
    expect(await rejection(placesOf(own))).toBeInstanceOf(ExecutorClosedError)
  })
})

describe('a program that ends with computes on the default pools', () => {
  const program = fileURLToPath(new URL('fixtures/ends-with-computes.mjs', import.meta.url))
  // A program that hangs is ended with the test that waited for it.
  const started: ChildProcess[] = []
  afterEach(() => {
    for (const child of started.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
  })

  /** Runs the program to its end: its exit code, and what it printed. */
  function runProgram(ending: string) {
    return new Promise<{ code: number | null; printed: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [program, ending], {
        cwd: fileURLToPath(new URL('..', import.meta.url)),
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      started.push(child)
      let printed = ''
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (printed += chunk))
      child.once('error', reject)
      child.once('close', (code) => resolve({ code, printed }))
    })
  }

  /** Whether process `pid` is gone (a zombie is gone: it only waits to be reaped). */
  function gone(pid: number): boolean {
    const stat = `/proc/${pid}/stat`
    if (!existsSync(stat)) return true
    try {
      const text = readFileSync(stat, 'utf8')
      return text.slice(text.lastIndexOf(')') + 2).startsWith('Z')
    } catch {
      return true
    }
  }

  test.each(['computes', 'cancel'])(
    '%s: exits by itself with code 0, leaving no process',
    async (ending) => {
      const { code, printed } = await runProgram(ending)
      expect(code).toBe(0)
      const { workers, children } = JSON.parse(printed) as {
        workers: number[]
        children: number[]
      }
      // Worker processes ran its tasks, and were there as it ended.
      expect(workers.length).toBeGreaterThanOrEqual(1)
      expect(children.length).toBeGreaterThanOrEqual(1)
      if (ending === 'computes') for (const pid of workers) expect(children).toContain(pid)
      const all = [...new Set([...workers, ...children])]
      // Killed as the program exited: gone once the system has reaped them.
      await expect.poll(() => all.filter((pid) => !gone(pid)), { timeout: 10_000 }).toEqual([])
    },
  )
})
