import { delayed } from '@taskgraph/core'
import { compute } from '@taskgraph/scheduler'
import { describe, expect, test } from 'vitest'
import { Profiler } from '../src/index.js'
import { attempts, expectValidTrace, task } from './helpers.js'

describe('Profiler', () => {
  test('collects the records its hooks are given, and makes their trace', () => {
    const profiler = new Profiler()
    const records = [task({ key: 'a', start: 0, end: 1 }), task({ key: 'b', start: 1, end: 3 })]
    for (const record of records) profiler.hooks.onTaskRecord?.(record)
    expect(profiler.records).toEqual(records)
    expect(attempts(expectValidTrace(profiler.trace())).map((event) => event.name)).toEqual([
      'a',
      'b',
    ])
    profiler.clear()
    expect(profiler.records).toEqual([])
    expect(profiler.trace().traceEvents).toEqual([])
  })

  test('profiles a real run: one event per task', async () => {
    const load = delayed((n: number) => n * 2, { name: 'load' })
    const add = delayed((a: number, b: number) => a + b, { name: 'add' })
    const total = add(load(1), add(load(2), load(3)))
    const profiler = new Profiler()
    expect(await compute(total, { executor: 'inline', hooks: profiler.hooks })).toEqual([12])
    const events = attempts(expectValidTrace(profiler.trace()))
    expect(events.map((event) => event.cat).sort()).toEqual(['add', 'add', 'load', 'load', 'load'])
    expect(new Set(events.map((event) => event.args.executor))).toEqual(new Set(['inline']))
  })
})
