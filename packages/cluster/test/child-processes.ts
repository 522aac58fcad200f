import type { ChildProcess } from 'node:child_process'
import { afterAll } from 'vitest'

/**
 * The processes a test file started (redis-server, workers) and that have not exited:
 * killed once its own hooks have run. Whatever happens to the file's tests (a hook that
 * timed out before it could keep hold of them), none outlives them. A hook, not the
 * process's `exit` event: vitest ends its workers without one.
 */
const started = new Set<ChildProcess>()
// Registered as the file imports this, before its own hooks: run after them.
afterAll(() => {
  for (const child of started) child.kill('SIGKILL')
})

/** Has `child` killed after the test file's tests, if it has not exited by then. */
export function endsWithTheTests<T extends ChildProcess>(child: T): T {
  started.add(child)
  child.once('exit', () => started.delete(child))
  return child
}
