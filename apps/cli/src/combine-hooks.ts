import type { ComputeHooks } from '@taskgraph/scheduler'

/**
 * One set of hooks that calls each of `hooks` in turn (those `undefined` left out), for
 * a run's `hooks` option, which takes one.
 *
 * @example
 * await compute(total, { hooks: combineHooks(progressBar(), { onFinish: console.log }) })
 */
export function combineHooks(...hooks: (ComputeHooks | undefined)[]): ComputeHooks {
  const all = hooks.filter((h): h is ComputeHooks => h !== undefined)
  if (all.length === 1) return all[0]!
  return {
    onStart: (info) => all.forEach((h) => h.onStart?.(info)),
    onTaskStart: (task) => all.forEach((h) => h.onTaskStart?.(task)),
    onTaskEnd: (task, outcome) => all.forEach((h) => h.onTaskEnd?.(task, outcome)),
    onTaskRetry: (task, retry) => all.forEach((h) => h.onTaskRetry?.(task, retry)),
    onTaskRecord: (record) => all.forEach((h) => h.onTaskRecord?.(record)),
    onTasksAdded: (info) => all.forEach((h) => h.onTasksAdded?.(info)),
    onFinish: (summary) => all.forEach((h) => h.onFinish?.(summary)),
  }
}
