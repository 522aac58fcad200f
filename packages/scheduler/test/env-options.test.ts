import { spawn } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { InvalidOptionError, delayed } from '@taskgraph/core'
import {
  AsyncExecutor,
  DEFAULT_ASYNC_CONCURRENCY,
  TimeoutError,
  WorkerStartError,
  closeDefaultExecutors,
  compute,
  persist,
  submit,
  type RunOptions,
} from '@taskgraph/scheduler'
import { afterEach, describe, expect, test, vi } from 'vitest'
import { where } from './fixtures/pool-tasks.mjs'
import { nextTurn, rejection } from './helpers.js'
import { childProcesses } from './pools.js'

// The TASKGRAPH_* variables are read from process.env on every call. Each test sets the
// ones it needs with `env`, and they are restored after it.
function env(variables: Record<string, string>): void {
  for (const [name, value] of Object.entries(variables)) vi.stubEnv(name, value)
}
// Tests count the worker processes of the pools calls name: each test ends with none.
afterEach(async () => {
  vi.unstubAllEnvs()
  await closeDefaultExecutors()
})

/**
 * Tests that start pools: each start loads workers, seconds on a busy machine. Some start
 * three pools of processes one after the other, which took over 30 s in CI beside the
 * other suites: the bound is for a hang.
 */
const POOL_TEST = { timeout: 90_000 }

const one = delayed(function one() {
  return 1
})

/** The name of the executor a run with `options` used. */
async function executorOf(options: RunOptions = {}): Promise<string | undefined> {
  let name: string | undefined
  await compute(one(), { ...options, hooks: { onStart: ({ executor }) => (name = executor) } })
  return name
}

/** Most async tasks in flight at once among `count` independent ones, run with `options`. */
async function mostInFlight(count: number, options: RunOptions = {}): Promise<number> {
  let inFlight = 0
  let most = 0
  const task = delayed(async (i: number) => {
    most = Math.max(most, ++inFlight)
    await nextTurn()
    inFlight--
    return i
  })
  await compute(...Array.from({ length: count }, (_, i) => task(i)), options)
  return most
}

/**
 * Worker processes a `processes` run with `options` had once its first task began. The
 * run's default pool is closed after it, so that the next count is of the next pool alone.
 */
async function workerProcesses(options: RunOptions = {}): Promise<number> {
  let workers = 0
  await compute(where('a'), {
    executor: 'processes',
    ...options,
    hooks: { onTaskStart: () => (workers = childProcesses().length) },
  })
  await closeDefaultExecutors()
  return workers
}

/** Attempts of a task that always fails, run with `options`. */
async function attempts(options: RunOptions = {}, own?: { retries: number }): Promise<number> {
  let count = 0
  const fails = delayed(() => {
    count++
    throw new RangeError('always')
  }, own)
  await expect(compute(fails(), { executor: 'inline', ...options })).rejects.toThrow()
  return count
}

/** The time limit a task that outlives it failed with, run with `options`. */
async function timeoutOf(options: RunOptions = {}): Promise<number> {
  const sleeps = delayed(() => new Promise((resolve) => setTimeout(resolve, 2_000)))
  const error = await rejection(compute(sleeps(), options))
  expect(error).toBeInstanceOf(TimeoutError)
  return (error as TimeoutError).timeoutMs
}

describe('TASKGRAPH_EXECUTOR', () => {
  test('picks the executor of a call that names none', POOL_TEST, async () => {
    env({ TASKGRAPH_EXECUTOR: 'inline' })
    expect(await executorOf()).toBe('inline')
    env({ TASKGRAPH_EXECUTOR: 'threads' })
    expect(await executorOf()).toBe('threads')
  })

  test('the executor a call names comes first, and async is the default', async () => {
    env({ TASKGRAPH_EXECUTOR: 'inline' })
    expect(await executorOf({ executor: 'async' })).toBe('async')
    expect(await executorOf({ executor: new AsyncExecutor() })).toBe('async')
    env({ TASKGRAPH_EXECUTOR: '' })
    expect(await executorOf()).toBe('async')
  })

  test('Delayed#compute and persist read it too', async () => {
    env({ TASKGRAPH_EXECUTOR: 'inline' })
    const names: string[] = []
    const hooks = { onStart: ({ executor }: { executor: string }) => names.push(executor) }
    await one().compute({ hooks })
    await persist(one(), { hooks })
    expect(names).toEqual(['inline', 'inline'])
  })

  test('is read on every call', async () => {
    env({ TASKGRAPH_EXECUTOR: 'inline' })
    expect(await executorOf()).toBe('inline')
    process.env.TASKGRAPH_EXECUTOR = 'async'
    expect(await executorOf()).toBe('async')
  })
})

describe('TASKGRAPH_CONCURRENCY', () => {
  test('call > environment > default', async () => {
    env({ TASKGRAPH_CONCURRENCY: '3' })
    expect(await mostInFlight(20)).toBe(3)
    expect(await mostInFlight(20, { executor: 'async' })).toBe(3)
    expect(await mostInFlight(20, { concurrency: 5 })).toBe(5)
    env({ TASKGRAPH_CONCURRENCY: '' })
    expect(await mostInFlight(DEFAULT_ASYNC_CONCURRENCY + 20)).toBe(DEFAULT_ASYNC_CONCURRENCY)
  })

  test('does not apply to other executors, nor to an Executor instance', POOL_TEST, async () => {
    env({ TASKGRAPH_CONCURRENCY: '3' })
    expect(await mostInFlight(20, { executor: 'inline' })).toBe(1)
    expect(await mostInFlight(20, { executor: new AsyncExecutor({ concurrency: 7 }) })).toBe(7)
    expect(await executorOf({ executor: 'threads' })).toBe('threads')
  })

  test(
    "a call's concurrency is left out when TASKGRAPH_EXECUTOR picks an executor without one",
    POOL_TEST,
    async () => {
      env({ TASKGRAPH_EXECUTOR: 'inline' })
      expect(await mostInFlight(20, { concurrency: 5 })).toBe(1)
      env({ TASKGRAPH_EXECUTOR: 'threads' })
      expect(await executorOf({ concurrency: 5 })).toBe('threads')
    },
  )
})

describe('TASKGRAPH_WORKERS', () => {
  test('call > environment > default', POOL_TEST, async () => {
    env({ TASKGRAPH_WORKERS: '3' })
    expect(await workerProcesses()).toBe(3)
    expect(await workerProcesses({ workers: 2 })).toBe(2)
    env({ TASKGRAPH_WORKERS: '' })
    expect(await workerProcesses()).toBe(availableParallelism())
  })

  test('applies when TASKGRAPH_EXECUTOR picks a pool', POOL_TEST, async () => {
    env({ TASKGRAPH_EXECUTOR: 'processes', TASKGRAPH_WORKERS: '2' })
    let workers = 0
    await compute(where('a'), {
      hooks: { onTaskStart: () => (workers = childProcesses().length) },
    })
    expect(workers).toBe(2)
  })

  test('does not apply to in-process executors, nor to an Executor instance', async () => {
    env({ TASKGRAPH_WORKERS: '3', TASKGRAPH_START_TIMEOUT: '1' })
    expect(await executorOf()).toBe('async')
    expect(await executorOf({ executor: 'async', concurrency: 2 })).toBe('async')
    expect(await executorOf({ executor: 'inline' })).toBe('inline')
    expect(await executorOf({ executor: new AsyncExecutor() })).toBe('async')
  })

  test('a call is valid or not whatever the environment says', async () => {
    env({ TASKGRAPH_EXECUTOR: 'threads' })
    // `workers` without executor 'threads' or 'processes' is a mistake in the call, and so
    // is a concurrency of 0, even where it would be left out.
    for (const options of [{ workers: 2 }, { concurrency: 0 }]) {
      await expect(compute(one(), options)).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' })
    }
  })
})

describe('TASKGRAPH_START_TIMEOUT', () => {
  // neverLoaded's module never finishes importing in a worker: only the start timeout
  // ends the run (the default, 60 s, is longer than the test may take). It is imported
  // here, not at the top: workers that import this file for its closures must not hang.
  test.each(['threads', 'processes'] as const)(
    'call > environment on %s',
    POOL_TEST,
    async (executor) => {
      const { neverLoaded } = await import('./fixtures/hangs-on-import.mjs')
      env({ TASKGRAPH_START_TIMEOUT: '300' })
      await expect(compute(neverLoaded(1), { executor })).rejects.toBeInstanceOf(WorkerStartError)
      env({ TASKGRAPH_START_TIMEOUT: String(2 ** 31 - 1) })
      await expect(compute(neverLoaded(1), { executor, startTimeout: 300 })).rejects.toBeInstanceOf(
        WorkerStartError,
      )
    },
  )
})

describe('TASKGRAPH_RETRIES', () => {
  test("a task's own > call > environment > default", async () => {
    expect(await attempts()).toBe(1)
    env({ TASKGRAPH_RETRIES: '2' })
    expect(await attempts()).toBe(3)
    expect(await attempts({ retries: 1 })).toBe(2)
    expect(await attempts({}, { retries: 0 })).toBe(1)
  })

  test('applies to an Executor instance too', async () => {
    env({ TASKGRAPH_RETRIES: '2' })
    expect(await attempts({ executor: new AsyncExecutor() })).toBe(3)
  })
})

describe('TASKGRAPH_TIMEOUT', () => {
  test('call > environment', async () => {
    env({ TASKGRAPH_TIMEOUT: '50' })
    expect(await timeoutOf()).toBe(50)
    expect(await timeoutOf({ timeout: 80 })).toBe(80)
    expect(await timeoutOf({ executor: new AsyncExecutor() })).toBe(50)
  })
})

describe('bad values', () => {
  test.each<[string, string]>([
    ['TASKGRAPH_EXECUTOR', 'gpu'],
    ['TASKGRAPH_EXECUTOR', 'Threads'],
    ['TASKGRAPH_WORKERS', 'abc'],
    ['TASKGRAPH_WORKERS', '0'],
    ['TASKGRAPH_WORKERS', '257'],
    ['TASKGRAPH_WORKERS', '2.5'],
    ['TASKGRAPH_CONCURRENCY', '0'],
    ['TASKGRAPH_CONCURRENCY', '1e3'],
    ['TASKGRAPH_RETRIES', '-1'],
    ['TASKGRAPH_TIMEOUT', '0x10'],
    ['TASKGRAPH_TIMEOUT', '9999999999'],
    ['TASKGRAPH_START_TIMEOUT', 'soon'],
  ])('%s=%s is an InvalidOptionError, and nothing runs', async (name, value) => {
    env({ [name]: value })
    let calls = 0
    const counted = delayed(() => ++calls)
    for (const run of [
      () => compute(counted()),
      () => counted().compute(),
      () => persist(counted()),
    ]) {
      const error = await rejection(run())
      expect(error).toBeInstanceOf(InvalidOptionError)
      expect(error).toMatchObject({ code: 'ERR_INVALID_OPTION' })
    }
    expect(calls).toBe(0)
  })

  test('are the error of submit, which names itself rather than the client it makes', () => {
    env({ TASKGRAPH_WORKERS: 'abc' })
    let error: unknown
    try {
      submit(() => 1)
    } catch (thrown) {
      error = thrown
    }
    expect(error).toBeInstanceOf(InvalidOptionError)
    expect((error as Error).message).toMatch(
      /^submit: environment variable TASKGRAPH_WORKERS is "abc"/,
    )
  })

  test('are errors even where the variable would not apply or is overridden', async () => {
    env({ TASKGRAPH_WORKERS: 'abc' })
    await expect(compute(one(), { executor: 'inline' })).rejects.toBeInstanceOf(InvalidOptionError)
    await expect(compute(one(), { executor: 'threads', workers: 2 })).rejects.toBeInstanceOf(
      InvalidOptionError,
    )
  })

  test('an empty variable is unset, and spaces around a value do not count', async () => {
    env({ TASKGRAPH_EXECUTOR: '', TASKGRAPH_CONCURRENCY: '  ', TASKGRAPH_RETRIES: ' 2 ' })
    expect(await executorOf()).toBe('async')
    expect(await attempts()).toBe(3)
  })

  test("TASKGRAPH_LOG_LEVEL is the command line's: the library does not read it", async () => {
    env({ TASKGRAPH_LOG_LEVEL: 'loud' })
    expect(await compute(one())).toEqual([1])
  })
})

describe('a program run with the variables set', () => {
  // A program that passes no executor, started as a user would start it.
  const program = `
    import { delayed } from '@taskgraph/core'
    import { compute } from '@taskgraph/scheduler'
    const one = delayed(function one() { return 1 })
    try {
      let executor
      await compute(one(), { hooks: { onStart: (info) => (executor = info.executor) } })
      console.log(executor)
    } catch (error) {
      console.log(error.name, error.code)
    }
  `
  const run = (variables: Record<string, string>): Promise<string> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', program], {
        cwd: fileURLToPath(new URL('..', import.meta.url)),
        env: { ...process.env, ...variables },
        // stderr has a warning: the program's own function runs on the main thread.
        stdio: ['ignore', 'pipe', 'ignore'],
      })
      let stdout = ''
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
      child.once('error', reject)
      child.once('close', () => resolve(stdout.trim()))
    })

  test.concurrent.each([
    [{}, 'async'],
    [{ TASKGRAPH_EXECUTOR: 'threads' }, 'threads'],
    [{ TASKGRAPH_EXECUTOR: 'inline', TASKGRAPH_WORKERS: '2' }, 'inline'],
    [{ TASKGRAPH_EXECUTOR: 'gpu' }, 'InvalidOptionError ERR_INVALID_OPTION'],
  ])('%o: %s', POOL_TEST, async (variables, printed) => {
    expect(await run({ TASKGRAPH_EXECUTOR: '', ...variables })).toBe(printed)
  })
})
