import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { IN_PROCESS } from './executors.js'

// In a program of its own: vitest's own listener for uncaught exceptions would fail a
// test whose task throws one here, and a program Node ends cannot be watched from inside.

interface Ended {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs `program` (an ES module) in a Node process of its own, to its end. */
function runProgram(program: string): Promise<Ended> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', program], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** A program that computes `target` (code that makes it) on `executor` and prints how the run ended. */
function computing(executor: string, tasks: string, target: string, before = ''): string {
  return `
    import { delayed, gather } from '@taskgraph/core'
    import { compute } from '@taskgraph/scheduler'
    ${tasks}
    ${before}
    try {
      console.log(JSON.stringify(await compute(${target}, { executor: '${executor}' })))
    } catch (error) {
      console.log(JSON.stringify({
        name: error.name, code: error.code, key: error.key, functionName: error.functionName,
        cause: error.cause?.message,
      }))
    }
    console.log('carried on')
  `
}

const TIMER_THROWS = `
  const throwsLater = delayed(function throwsLater(ms) {
    setTimeout(() => { throw new Error('boom from timer') }, ms)
    return new Promise((resolve) => setTimeout(() => resolve(1), 300))
  })
  const returnsThenThrows = delayed(function returnsThenThrows() {
    setTimeout(() => { throw new Error('boom after return') }, 10)
    return 1
  })
  const waits = delayed(function waits(x) {
    return new Promise((resolve) => setTimeout(() => resolve(x), 300))
  })
`

describe.concurrent.each(IN_PROCESS)('an error nothing catches, on the %s executor', (executor) => {
  test('thrown by a callback a task started while it runs: the task fails, naming it', async () => {
    const ended = await runProgram(computing(executor, TIMER_THROWS, 'throwsLater(10)'))
    expect(ended.code).toBe(0)
    expect(ended.stdout.trim().split('\n')).toEqual([
      JSON.stringify({
        name: 'UncaughtExceptionError',
        code: 'ERR_UNCAUGHT_EXCEPTION',
        key: 'throwsLater-1',
        functionName: 'throwsLater',
        cause: 'boom from timer',
      }),
      'carried on',
    ])
  })

  test('thrown by a callback of a task that has returned: the run fails, naming it', async () => {
    const target = 'waits(returnsThenThrows())'
    const ended = await runProgram(computing(executor, TIMER_THROWS, target))
    expect(ended.code).toBe(0)
    expect(JSON.parse(ended.stdout.split('\n')[0]!)).toMatchObject({
      name: 'UncaughtExceptionError',
      key: 'returnsThenThrows-1',
      cause: 'boom after return',
    })
  })

  test('thrown by code no task started: left to Node, which ends the program', async () => {
    const outside = `setTimeout(() => { throw new Error('boom from outside') }, 10)`
    const ended = await runProgram(computing(executor, TIMER_THROWS, 'waits(1)', outside))
    expect(ended.code).toBe(1)
    expect(ended.stdout).toBe('')
    expect(ended.stderr).toContain('Error: boom from outside')
  })

  test("thrown by code no task started, with the program's own listener: left to it", async () => {
    const outside = `
      process.on('uncaughtException', (error) => console.log('mine: ' + error.message))
      setTimeout(() => { throw new Error('boom from outside') }, 10)
    `
    const ended = await runProgram(computing(executor, TIMER_THROWS, 'waits(1)', outside))
    expect(ended.code).toBe(0)
    expect(ended.stdout.trim().split('\n')).toEqual([
      'mine: boom from outside',
      '[1]',
      'carried on',
    ])
  })
})

// After a run, a listener of the scheduler's hears every rejection nothing handles (a task's
// may come late): one no task made must still reach the program as Node would raise it.
describe.concurrent.each(IN_PROCESS)(
  'a rejection nothing handles, made by code no task started, after a run on the %s executor',
  (executor) => {
    const afterRun = (program: string): string => `
      import { delayed } from '@taskgraph/core'
      import { compute } from '@taskgraph/scheduler'
      const one = delayed(function one() { return 1 })
      await compute(one(), { executor: '${executor}' })
      ${program}
    `

    test("reaches the program's own uncaughtException listener as a rejection", async () => {
      const ended = await runProgram(
        afterRun(`
          process.on('uncaughtException', (error, origin) =>
            console.log(origin + ': ' + error.message))
          setTimeout(() => Promise.reject(new Error('rejected outside')), 10)
        `),
      )
      expect(ended.code).toBe(0)
      expect(ended.stdout.trim()).toBe('unhandledRejection: rejected outside')
    })

    test('with a reason that is not an error, ends the program with the error Node raises', async () => {
      const ended = await runProgram(afterRun(`Promise.reject('plain reason')`))
      expect(ended.code).toBe(1)
      expect(ended.stderr).toContain(
        'UnhandledPromiseRejection: This error originated either by throwing inside of an async function without a catch block, or by rejecting a promise which was not handled with .catch(). The promise rejected with the reason "plain reason".',
      )
      expect(ended.stderr).toContain("code: 'ERR_UNHANDLED_REJECTION'")
    })
  },
)

// A stall is found when the event loop empties, which only a program of its own shows.
describe.concurrent.each(IN_PROCESS)(
  'promises nothing can settle, on the %s executor',
  (executor) => {
    // The second run's stall was never seen: the program exited with code 13, saying nothing.
    test('one run after another: each fails with a StalledError, and the program carries on', async () => {
      const hangs = `const hangs = delayed(function hangs() { return new Promise(() => {}) })`
      const first = `
      const error = await compute(hangs(), { executor: '${executor}' }).catch((error) => error)
      console.log(error.code)
    `
      const ended = await runProgram(computing(executor, hangs, 'hangs()', first))
      expect(ended.code).toBe(0)
      expect(ended.stdout.trim().split('\n')).toEqual([
        'ERR_TASK_STALLED',
        JSON.stringify({
          name: 'StalledError',
          code: 'ERR_TASK_STALLED',
          key: 'hangs-2',
          functionName: 'hangs',
        }),
        'carried on',
      ])
    })
  },
)
