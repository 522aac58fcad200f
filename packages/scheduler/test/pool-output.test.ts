import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { gather } from '@taskgraph/core'
import { compute, type TaskInfo } from '@taskgraph/scheduler'
import { afterAll, describe, expect, test } from 'vitest'
import { busyFor } from './fixtures/pool-tasks.mjs'
import { makePool, POOLS } from './pools.js'

const TASKS = fileURLToPath(new URL('./fixtures/pool-tasks.mjs', import.meta.url))

describe.each(POOLS)('the %s executor', (name) => {
  const pool = makePool(name, { workers: 1 })
  afterAll(() => pool.close())

  test('hooks hear of a start when the worker begins the call, not when it is queued', async () => {
    let running = 0
    let most = 0
    const hooks = {
      onTaskStart: (_task: TaskInfo) => {
        running++
        most = Math.max(most, running)
      },
      onTaskEnd: () => void running--,
    }
    // Three synchronous tasks on one worker: one runs while the others wait their turn.
    const tasks = [1, 2, 3].map(() => busyFor(150))
    expect(await compute(gather(tasks), { executor: pool, hooks })).toEqual([[150, 150, 150]])
    expect(most).toBe(1)
  })

  test("taskStdout: 'stderr' sends what tasks print to stdout to stderr", () => {
    // In a process of its own, so that its stdout and stderr can be read apart.
    const script = `
      import { compute, ${name === 'threads' ? 'ThreadExecutor' : 'ProcessExecutor'} as Pool } from '@taskgraph/scheduler'
      import { prints } from ${JSON.stringify(TASKS)}
      for (const taskStdout of ['stdout', 'stderr']) {
        const pool = new Pool({ workers: 1, taskStdout })
        await compute(prints('task says ' + taskStdout, 'note'), { executor: pool })
        await pool.close()
      }
    `
    const { stdout, stderr, status } = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', script],
      { encoding: 'utf8', cwd: fileURLToPath(new URL('..', import.meta.url)) },
    )
    expect(status).toBe(0)
    expect(stdout.split('\n').filter(Boolean)).toEqual(['task says stdout'])
    expect(stderr.split('\n').filter(Boolean).sort()).toEqual(['note', 'note', 'task says stderr'])
  })

  test("a task's process warning reaches the program's listeners once, before its result", () => {
    // Printed by the worker itself, it came out in Node's own form whatever the program
    // listens with, once per worker; from a thread, not at all if the program ended
    // right after the result.
    const script = `
      import { compute, ${name === 'threads' ? 'ThreadExecutor' : 'ProcessExecutor'} as Pool } from '@taskgraph/scheduler'
      import { warns } from ${JSON.stringify(TASKS)}
      process.removeAllListeners('warning')
      process.on('warning', (warning) => console.log('heard', warning.name, warning.code, warning.message))
      const pool = new Pool({ workers: 1 })
      const [text] = await compute(warns('something odd', 'MY_CODE'), { executor: pool })
      console.log('result', text)
      await pool.close()
    `
    const { stdout, stderr, status } = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', script],
      { encoding: 'utf8', cwd: fileURLToPath(new URL('..', import.meta.url)) },
    )
    expect({ status, stderr }).toEqual({ status: 0, stderr: '' })
    expect(stdout).toBe('heard Warning MY_CODE something odd\nresult something odd\n')
  })

  test('a deprecation a task emits, in a program that throws deprecations, is heard, not thrown', () => {
    // Set in code, not by --throw-deprecation, which the workers would have too (the
    // task would fail of it there): emitted again here, Node threw it with nothing to catch it.
    const script = `
      import { compute, ${name === 'threads' ? 'ThreadExecutor' : 'ProcessExecutor'} as Pool } from '@taskgraph/scheduler'
      import { warns } from ${JSON.stringify(TASKS)}
      process.throwDeprecation = true
      process.on('warning', (warning) => console.log('heard', warning.name, warning.code))
      const pool = new Pool({ workers: 1 })
      const [text] = await compute(warns('old way', 'DEP_OLD', 'DeprecationWarning'), { executor: pool })
      console.log('result', text)
      await pool.close()
    `
    const { stdout, status } = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      cwd: fileURLToPath(new URL('..', import.meta.url)),
    })
    expect({ status, stdout }).toEqual({
      status: 0,
      stdout: 'heard DeprecationWarning DEP_OLD\nresult old way\n',
    })
  })

  test('what a task prints comes out whole, before its result, though the pool ends right after', () => {
    // A worker thread's output travels apart from its results; ending the pool as soon
    // as the run ends must not drop any of it.
    const script = `
      import { compute, ${name === 'threads' ? 'ThreadExecutor' : 'ProcessExecutor'} as Pool } from '@taskgraph/scheduler'
      import { printsLines } from ${JSON.stringify(TASKS)}
      for (let run = 0; run < 5; run++) {
        const pool = new Pool({ workers: 1 })
        const [count] = await compute(printsLines(200), { executor: pool })
        console.log('result ' + count)
        await pool.close()
      }
    `
    const { stdout, status } = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      cwd: fileURLToPath(new URL('..', import.meta.url)),
    })
    expect(status).toBe(0)
    const lines = stdout.split('\n').filter(Boolean)
    const expected = Array.from({ length: 200 }, (_, i) => `line ${i}`).concat('result 200')
    expect(lines).toEqual(Array.from({ length: 5 }, () => expected).flat())
  })
})
