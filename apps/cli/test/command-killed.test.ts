import { afterAll, describe, expect, it } from 'vitest'
import { reportedPids, waitForStderr } from './helpers/output.js'
import {
  HAS_PROC,
  comesTrue,
  descendantsOf,
  isAlive,
  killOnCleanup,
  killStrays,
} from './helpers/processes.js'
import { finished, startCli } from './helpers/run-cli.js'

// SIGKILL of the command leaves nothing for it to clean up with: the run must end by
// itself. supervisor.test.ts has it with worker processes; here the tasks spin in worker
// threads, or hold the runner's main thread. spin.ts: two tasks that never return, each
// writing "spin: task started in pid N" as it starts (on inline the first never lets the
// second start). Not concurrent: each run spins a core, and the end is timed.

afterAll(killStrays)

describe.skipIf(!HAS_PROC).each([
  { executor: 'inline', options: [], started: 1 },
  { executor: 'threads', options: ['--workers', '2'], started: 2 },
] as const)('SIGKILL of the command, --executor $executor', ({ executor, options, started }) => {
  it('every process of the run ends within 2 s, busy tasks or not', async () => {
    const child = killOnCleanup(startCli(['run', 'spin.ts', '-e', executor, ...options]))
    const result = finished(child)
    const [starts] = await waitForStderr(
      child,
      new RegExp(Array(started).fill('spin: task started in pid \\d+').join('[^]*')),
    )
    const run = [...new Set([...descendantsOf(child.pid!), ...reportedPids(starts)])]
    try {
      expect(run).not.toEqual([])
      child.kill('SIGKILL')
      expect(await result).toMatchObject({ code: null, signal: 'SIGKILL' })
      // The runner's watcher thread checks for its parent every 200 ms.
      expect(await comesTrue(() => !run.some(isAlive), 2_000)).toBe(true)
    } finally {
      // Once the command is gone, killStrays cannot find them.
      for (const pid of run.filter(isAlive)) process.kill(pid, 'SIGKILL')
    }
  })
})
