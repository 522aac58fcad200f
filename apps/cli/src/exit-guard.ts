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
  return replaceExit((call, exit) => {
    if (!inTask()) return exit()
    return `${call} was called by a task on the ${executor} executor, where tasks run in the command's own process and would end it mid-run. Throw an error to fail the task, or run it on threads or processes.`
  })
}

/**
 * Until the returned function is called, `process.exit()` throws a `ProcessExitError`:
 * for a command that loads a workflow only to read its graph (`visualize`, `cache why`),
 * whose code calling it would end the command with no output and exit code 0. Thrown in
 * the workflow's top-level code, it fails the load with a `WorkflowError` saying where.
 */
export function refuseProcessExit(command: string): () => void {
  return replaceExit(
    (call) =>
      `${call} was called while ${command} loaded the workflow, and would end the command with nothing drawn or said. Throw an error to stop a workflow from loading.`,
  )
}

/**
 * Replaces `process.exit` with a function that, given the call as written, either exits
 * (`exit()`) or returns the message of the `ProcessExitError` it throws; the returned
 * function puts Node's back.
 */
function replaceExit(decide: (call: string, exit: () => never) => string): () => void {
  const original = Object.getOwnPropertyDescriptor(process, 'exit')
  const exit = process.exit.bind(process)
  const guarded = function exitOrThrow(code?: string | number | null): never {
    const call = `process.exit(${code === undefined ? '' : JSON.stringify(code)})`
    const message = decide(call, () => exit(code))
    throw new ProcessExitError({ exitCode: code, message })
  }
  process.exit = guarded
  return () => {
    // Left alone if something else has replaced it since.
    if (process.exit === guarded && original !== undefined) {
      Object.defineProperty(process, 'exit', original)
    }
  }
}
