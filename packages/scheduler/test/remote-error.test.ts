import { describe, expect, test } from 'vitest'
import { fromWireError, toWireError } from '@taskgraph/scheduler/wire'

// What a task throws crosses as a copy, and on a cluster it crosses twice: from the pool
// thread of a cluster worker to that worker, then from the worker to the driver.
describe('an error copied across workers', () => {
  // The first copy is an Error named AggregateError, not an instance of the class: the
  // second crossing left its errors behind.
  test('keeps an AggregateError’s errors however many times it is copied', () => {
    const thrown = new AggregateError([new RangeError('first'), new TypeError('second')], 'all')
    const once = fromWireError(toWireError(thrown))
    const twice = fromWireError(toWireError(once)) as AggregateError
    expect(twice.name).toBe('AggregateError')
    expect(twice.errors.map((e: Error) => [e.name, e.message])).toEqual([
      ['RangeError', 'first'],
      ['TypeError', 'second'],
    ])
  })
})
