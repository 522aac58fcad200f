import { describe, expect, test } from 'vitest'
import {
  combineHooks,
  compute,
  delayed,
  InvalidOptionError,
  Profiler,
  type ComputeHooks,
  type TaskRecord,
} from 'taskgraph'

const double = delayed((n: number) => n * 2, { name: 'double' })
const add = delayed((a: number, b: number) => a + b, { name: 'add' })

/** What a record says apart from its times and worker: the same in every run. */
function outline(records: readonly TaskRecord[]): unknown[] {
  return records
    .map(({ key, name, executor, attempt, status }) => ({ key, name, executor, attempt, status }))
    .sort((a, b) => a.key.localeCompare(b.key))
}

describe('combineHooks', () => {
  // A misspelt hook was left out unseen, one that is not a function failed the run with
  // a TypeError, and what is not hooks was returned, or its members taken for hooks.
  test('checks its parts as the hooks option is: each must be hooks, or undefined', () => {
    const onFinish = (): void => {}
    const misspelt = { onTaskEnded: () => {} } as ComputeHooks
    expect(() => combineHooks({ onFinish }, misspelt)).toThrow(
      /^combineHooks: argument 2 has "onTaskEnded", which is no hook/,
    )
    expect(() => combineHooks({ onTaskStart: 3 } as never, { onFinish })).toThrow(
      /^combineHooks: hook "onTaskStart" of argument 1 must be a function, got a number \(3\)/,
    )
    for (const notHooks of [42, null, 'hooks']) {
      expect(() => combineHooks(notHooks as never)).toThrow(InvalidOptionError)
      expect(() => combineHooks({ onFinish }, notHooks as never)).toThrow(
        /^combineHooks: argument 2 must be hooks/,
      )
    }
    expect(Object.keys(combineHooks(undefined, { onFinish }, undefined))).toEqual(['onFinish'])
  })

  test('has only the hooks one of its parts has', () => {
    const combined = combineHooks(new Profiler().hooks, { onFinish: () => {} }, undefined)
    expect(Object.keys(combined).sort()).toEqual(['onFinish', 'onTaskRecord', 'onTasksAdded'])
  })

  test.each(['inline', 'async'] as const)(
    'a Profiler combined with other hooks keeps every record (%s)',
    async (executor) => {
      const total = add(double(1), add(double(2), double(3)))
      const alone = new Profiler()
      await compute(total, { executor, hooks: alone.hooks })
      // With hooks that read no records, and with a second reader of them.
      const withOthers = new Profiler()
      const finished: number[] = []
      await compute(total, {
        executor,
        hooks: combineHooks(withOthers.hooks, {
          onFinish: (summary) => finished.push(summary.done),
        }),
      })
      const seen: TaskRecord[] = []
      const withReader = new Profiler()
      await compute(total, {
        executor,
        hooks: combineHooks(withReader.hooks, { onTaskRecord: (record) => seen.push(record) }),
      })
      expect(outline(alone.records)).toHaveLength(5)
      expect(outline(withOthers.records)).toEqual(outline(alone.records))
      expect(outline(withReader.records)).toEqual(outline(alone.records))
      expect(outline(seen)).toEqual(outline(alone.records))
      expect(finished).toEqual([5])
    },
  )
})
