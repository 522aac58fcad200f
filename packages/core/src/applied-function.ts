// Which function a task's failure names. A bag's task (`map`, `fold-part`...) is one of
// taskgraph's own, and runs a function the user gave it: when that function fails, the
// user knows it by its name, not by the task's. Core's tasks keep how to find it; the
// scheduler, which reports the failure, reads it by this brand, so neither package
// imports the other for it.
import type { AnyFunction } from './types.js'

/**
 * Where a task function keeps its `FindApplied`. `Symbol.for`: shared by every copy of
 * taskgraph in the process.
 */
export const APPLIED_FUNCTION = Symbol.for('taskgraph.appliedFunction')

/**
 * The user's function that a failure of a call of the task is named by, given the
 * task's arguments as recorded and what the call failed with; `undefined`: the task's
 * own name.
 */
export type FindApplied = (args: readonly unknown[], failure: unknown) => AnyFunction | undefined

/**
 * The name a failure of a call of `fn` with `args` gives its function: the user's function
 * the task applies, if it says so (`'lambda'` for an anonymous one, as `delayed` names
 * it), or `taskName`.
 */
export function failingFunctionName(
  fn: AnyFunction | undefined,
  args: readonly unknown[],
  failure: unknown,
  taskName: string,
): string {
  const find = (fn as { [APPLIED_FUNCTION]?: FindApplied } | undefined)?.[APPLIED_FUNCTION]
  const applied = find?.(args, failure)
  return applied === undefined ? taskName : applied.name || 'lambda'
}
