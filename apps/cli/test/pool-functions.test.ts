import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { killOnCleanup, killStrays } from './helpers/processes.js'
import { finished, fixture, startCli } from './helpers/run-cli.js'
import { cleanUp, makeTempDir } from './helpers/temp-dirs.js'

afterAll(async () => {
  killStrays()
  await cleanUp()
})

interface Call {
  readonly call: string
  readonly pid: number
  readonly ppid: number
  readonly threadId: number
}

async function callsIn(file: string): Promise<Call[]> {
  const text = await readFile(file, 'utf8')
  return text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Call)
}

// How task functions reach workers: a worker imports the module that made them.
describe.concurrent.each(['threads', 'processes'] as const)('--executor %s', (executor) => {
  // counted.ts makes its task function at top level and its graph in the default export;
  // the default export and each task log their calls to files in the working directory.
  it('workers import the workflow without computing anything: the default export runs once, on the main thread, and each task once, in a worker', async () => {
    const cwd = await makeTempDir()
    const child = killOnCleanup(
      startCli(['run', fixture('counted.ts'), '-e', executor, '--json'], { cwd }),
    )
    const result = await finished(child)
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(JSON.parse(result.stdout)).toEqual([10, 20, 30])
    // On the main thread of the runner, the CLI's child process that runs the workflow.
    const calls = await callsIn(join(cwd, 'default-calls.txt'))
    const runner = calls[0]?.pid
    expect(calls).toEqual([{ call: 'default', pid: runner, ppid: child.pid, threadId: 0 }])
    const tasks = await callsIn(join(cwd, 'task-calls.txt'))
    expect(tasks.map(({ call }) => call).sort()).toEqual(['record(1)', 'record(2)', 'record(3)'])
    for (const task of tasks) {
      if (executor === 'threads') {
        expect(task.pid).toBe(runner)
        expect(task.threadId).not.toBe(0)
      } else {
        expect(task.pid).not.toBe(runner)
        expect(task.ppid).toBe(runner)
      }
    }
  })

  // wrapped-helper.ts wraps lib/placed.ts's exported function in its default export: no
  // module made it at top level, but the workflow imports the module that exports it.
  it("runs a helper's exported function wrapped in the default export in workers, without a warning", async () => {
    const child = killOnCleanup(startCli(['run', 'wrapped-helper.ts', '-e', executor, '--json']))
    const result = await finished(child)
    expect(result).toMatchObject({ code: 0, stderr: '' })
    const results = JSON.parse(result.stdout) as ({ value: number } & Omit<Call, 'call'>)[]
    expect(results.map(({ value }) => value)).toEqual([2, 4, 6])
    for (const task of results) {
      if (executor === 'threads') expect(task.threadId).not.toBe(0)
      // A pool's process, the runner's child: the runner is the CLI's own child.
      else expect(task.ppid).not.toBe(child.pid)
    }
  })

  // closure.ts: the default export makes `scale`, a lambda over its local `factor`, and
  // calls it three times. No worker can make that function, so it runs on the main thread.
  it('runs a closure made in the default export on the main thread, with one warning naming it', async () => {
    const child = killOnCleanup(startCli(['run', 'closure.ts', '-e', executor, '--json']))
    const result = await finished(child)
    expect(result.code).toBe(0)
    // On the main thread of the runner, the CLI's child process that runs the workflow.
    const results = JSON.parse(result.stdout) as ({ value: number } & Omit<Call, 'call'>)[]
    const runner = results[0]?.pid
    expect(results).toEqual(
      [7, 14, 42].map((value) => ({ value, pid: runner, ppid: child.pid, threadId: 0 })),
    )
    // One line for the function, not one per task, and nothing else on stderr.
    const lines = result.stderr.split('\n').filter((line) => line !== '')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain('TASKGRAPH_MAIN_THREAD')
    expect(lines[0]).toContain('scale')
    expect(lines[0]).toContain('main thread')
  })
})
