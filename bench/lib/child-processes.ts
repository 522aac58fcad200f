import type { ChildProcess } from 'node:child_process'

/**
 * The processes a measurement started (redis-server, workers) and that have not exited:
 * killed when this process exits, so that none outlives a measurement that failed
 * before it could stop them.
 */
const started = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of started) child.kill('SIGKILL')
})

/** Has `child` killed when this process exits, if it has not exited by then. */
export function endsWithThisProcess<T extends ChildProcess>(child: T): T {
  started.add(child)
  child.once('exit', () => started.delete(child))
  return child
}
