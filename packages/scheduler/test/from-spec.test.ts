import { fromSpec, ref, task } from '@taskgraph/core'
import { describe, expect, test } from 'vitest'
import { compute } from '@taskgraph/scheduler'
import { EXECUTORS, shared } from './executors.js'
import { add, divmod, inc } from './fixtures/spec-tasks.mjs'

describe.each(EXECUTORS)('fromSpec on the %s executor', (name) => {
  test('entries made with delayed functions compute their results', async () => {
    const { y, total } = fromSpec({
      x: 1,
      y: task(inc, ref('x')),
      total: task(add, ref('x'), ref('y')),
    })
    expect(await compute(y, total, { executor: shared(name) })).toEqual([2, 3])
  })

  test('an entry made with a delayed function with nout computes its tuple', async () => {
    const { qr } = fromSpec({ n: 7, qr: task(divmod, ref('n'), 2) })
    expect(await qr.compute({ executor: shared(name) })).toEqual([3, 1])
  })
})
