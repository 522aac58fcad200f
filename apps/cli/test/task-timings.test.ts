import { describe, expect, it } from 'vitest'
import { logEntries } from './helpers/output.js'
import { runCli } from './helpers/run-cli.js'

// What a run says of its tasks' times is measured where they ran: busy-tasks.ts has six
// tasks of 100 ms on two workers, so four wait in the pool's queue before they start.

describe('taskgraph --log-level debug run', () => {
  it.for(['threads', 'processes'] as const)(
    'on %s logs each task at the 100 ms it ran, not counting its wait, and where it ran',
    async (executor) => {
      const { code, stderr } = await runCli([
        '--log-level',
        'debug',
        'run',
        'busy-tasks.ts',
        '-e',
        executor,
        '-w',
        '2',
      ])
      expect(code).toBe(0)
      // The busy tasks (the gather that assembles them ends too, on the main thread).
      const finished = logEntries(stderr).filter(
        (entry) => entry.msg === 'task finished' && entry.key?.startsWith('busy-'),
      )
      expect(finished.map((entry) => entry.key).sort()).toEqual(
        [0, 1, 2, 3, 4, 5].map((i) => `busy-${i}`),
      )
      for (const entry of finished) {
        expect(entry.durationMs).toBeGreaterThanOrEqual(85)
        expect(entry.durationMs).toBeLessThanOrEqual(115)
        expect(entry.worker).toMatch(executor === 'threads' ? /^thread \d+$/ : /^pid \d+$/)
      }
      // Two workers ran them.
      expect(new Set(finished.map((entry) => entry.worker)).size).toBe(2)
    },
  )
})
