import { inTask } from '@taskgraph/scheduler/internal'
import { ProcessExitError } from './cli-errors.js'

/**
 * Until the returned function is called, `process.exit()` called by a task on this
 * thread (an inline or async task, or a callback it started) throws a `ProcessExitError`
 * instead of ending the command: the task fails with it, naming its key and function,
 * and the run ends as runs do, with its report and trace. A call from anywhere else
 * (the workflow's own code, a library's timer) still ends the process, and the
 * supervisor says so (supervisor/supervise.ts).
 */
export function guardProcessExit(executor: string): () => void {
  const original = Object.getOwnPropertyDescriptor(process, 'exit')
  const exit = process.exit.bind(process)
  const guarded = function exitUnlessInTask(code?: string | number | null): never {
    if (!inTask()) return exit(code)
    const call = `process.exit(${code === undefined ? '' : JSON.stringify(code)})`
    throw new ProcessExitError({
      exitCode: code,
      message: `${call} was called by a task on the ${executor} executor, where tasks run in the command's own process and would end it mid-run. Throw an error to fail the task, or run it on threads or processes.`,
    })
  }
  process.exit = guarded
  return () => {
    // Left alone if something else has replaced it since.
    if (process.exit === guarded && original !== undefined) {
      Object.defineProperty(process, 'exit', original)
    }
  }
}
