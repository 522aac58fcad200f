import { InvalidOptionError } from '@taskgraph/core'
import { describeValue } from '@taskgraph/core/internal'
import type { ComputeHooks, TaskRecord } from '@taskgraph/scheduler'
import { checkHooks, recordSinkOf, withRecordSink } from '@taskgraph/scheduler/internal'

/**
 * One set of hooks that calls each of `hooks` in turn (those `undefined` left out), for
 * a run's `hooks` option, which takes one. It has the hooks they have when combined.
 *
 * @example
 * await compute(total, { hooks: combineHooks(progressBar(), { onFinish: console.log }) })
 */
export function combineHooks(...hooks: (ComputeHooks | undefined)[]): ComputeHooks {
  // Checked as the `hooks` option is: a misspelt hook would be left out of the combined
  // ones unseen, and one that is not a function would fail the run at its first call.
  hooks.forEach((h, i) => {
    if (h === undefined) return
    if (typeof h !== 'object' || h === null) {
      throw new InvalidOptionError({
        message: `combineHooks: argument ${i + 1} must be hooks (an object of callbacks such as onTaskEnd, a progressBar(), a profiler's hooks) or undefined, got ${describeValue(h)}.`,
      })
    }
    checkHooks('combineHooks', h, `argument ${i + 1}`)
  })
  const all = hooks.filter((h): h is ComputeHooks => h !== undefined)
  if (all.length === 1) return all[0]!
  // Only the hooks one of them has: a run makes no task record, and tells of no task's
  // start or end, that nothing reads.
  const has = (name: keyof ComputeHooks): ComputeHooks[] => all.filter((h) => h[name] !== undefined)
  const combined: ComputeHooks = {}
  const starts = has('onStart')
  if (starts.length > 0) combined.onStart = (info) => starts.forEach((h) => h.onStart!(info))
  const taskStarts = has('onTaskStart')
  if (taskStarts.length > 0) {
    combined.onTaskStart = (task) => taskStarts.forEach((h) => h.onTaskStart!(task))
  }
  const taskEnds = has('onTaskEnd')
  if (taskEnds.length > 0) {
    combined.onTaskEnd = (task, outcome) => taskEnds.forEach((h) => h.onTaskEnd!(task, outcome))
  }
  const retries = has('onTaskRetry')
  if (retries.length > 0) {
    combined.onTaskRetry = (task, retry) => retries.forEach((h) => h.onTaskRetry!(task, retry))
  }
  const records = has('onTaskRecord')
  if (records.length > 0) {
    const onTaskRecord = (record: TaskRecord): void =>
      records.forEach((h) => h.onTaskRecord!(record))
    // One reader of records that keeps them as numbers (a Profiler) still takes them so.
    const sink = records.length === 1 ? recordSinkOf(records[0]) : undefined
    combined.onTaskRecord = sink === undefined ? onTaskRecord : withRecordSink(onTaskRecord, sink)
  }
  const added = has('onTasksAdded')
  if (added.length > 0) {
    combined.onTasksAdded = (info) => added.forEach((h) => h.onTasksAdded!(info))
  }
  const finishes = has('onFinish')
  if (finishes.length > 0) {
    combined.onFinish = (summary) => finishes.forEach((h) => h.onFinish!(summary))
  }
  return combined
}
