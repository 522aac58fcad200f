import { describe, expect, test } from 'vitest'
import { validateTrace } from './trace-validator.js'

// The checker the other tests rely on finds each kind of fault on its own.

const names = [
  { ph: 'M', name: 'process_name', ts: 0, pid: 1, tid: 0, args: { name: 'p' } },
  { ph: 'M', name: 'thread_name', ts: 0, pid: 1, tid: 1, args: { name: 't' } },
]
const slice = { ph: 'X', name: 'a', cat: 'f', ts: 0, dur: 10, pid: 1, tid: 1, args: {} }
const counter = { ph: 'C', name: 'memory', ts: 0, pid: 1, tid: 0, args: { main: 5, 'pid 2': 1 } }

function problemsOf(...events: object[]): string[] {
  return validateTrace(JSON.stringify({ traceEvents: [...names, ...events] })).problems
}

describe('validateTrace', () => {
  test('accepts nested, touching and zero-length events', () => {
    expect(
      problemsOf(
        slice,
        { ...slice, ts: 2, dur: 3 },
        { ...slice, ts: 10, dur: 0 },
        { ...slice, ts: 10, dur: 5 },
        { ph: 'i', name: 'now', ts: 12, s: 't', pid: 1, tid: 1 },
        counter,
        { ...counter, ts: 5 },
      ),
    ).toEqual([])
  })

  test.each([
    ['overlapping events on one track', [slice, { ...slice, ts: 5 }]],
    ['an unknown phase', [{ ...slice, ph: 'Q' }]],
    ['a negative ts', [{ ...slice, ts: -1 }]],
    ['a negative dur', [{ ...slice, dur: -1 }]],
    ['a non-integer pid', [{ ...slice, pid: 1.5 }]],
    ['a colour chrome://tracing does not reserve', [{ ...slice, cname: 'red' }]],
    ['an instant event with no scope', [{ ph: 'i', name: 'x', ts: 1, pid: 1, tid: 1 }]],
    ['a track with no thread_name', [{ ...slice, tid: 2 }]],
    ['a metadata event of unknown name', [{ ...names[0], name: 'process_colour' }]],
    ['a counter with a value that is not a number', [{ ...counter, args: { main: 'lots' } }]],
    ['a counter with no series', [{ ...counter, args: {} }]],
    ['a counter at a negative time', [{ ...counter, ts: -1 }]],
    ['a counter of a process with no name', [{ ...counter, pid: 2 }]],
  ])('finds %s', (_, events) => {
    expect(problemsOf(...events)).toHaveLength(1)
  })

  test('finds a file that is not a trace', () => {
    expect(validateTrace('{"traceEvents": [').problems).toHaveLength(1)
    expect(validateTrace('[]').problems).toHaveLength(1)
  })
})
