import { compute } from '@taskgraph/scheduler'
import { describe, expect, test } from 'vitest'
import { EXECUTORS, shared } from './executors.js'
import { byId, describeSparse, label } from './fixtures/sparse-tasks.mjs'

// An array indexed by ids (`items[1e9] = x`) holds two elements and a billion holes.
// Walks over task data counted up to its length: on inline and async, finding the
// graphs a result might hold kept every hole on a stack until V8 ended the program
// (a fatal "invalid size error"); on pools, each walk took a minute or more.
const LAST = 1e9

describe.each(EXECUTORS)('an array stored sparse on the %s executor', (name) => {
  const options = { executor: shared(name) }

  test('comes back from a task as it was made, holes included', async () => {
    const [items] = await compute(byId(LAST), options)
    expect(items).toHaveLength(LAST + 1)
    expect(Object.keys(items)).toEqual(['3', String(LAST)])
    expect(items[3]).toBe('three')
    expect(items[LAST]).toEqual({ id: LAST })
  })

  test('is given to a task with the Delayed values in it replaced, holes kept', async () => {
    const items: unknown[] = []
    items[3] = label('three')
    items[LAST] = { id: label('last') }
    const [described] = await compute(describeSparse(items), options)
    expect(described).toEqual({
      length: LAST + 1,
      indices: ['3', String(LAST)],
      elements: ['label three', { id: 'label last' }],
    })
  })
})
