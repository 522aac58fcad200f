import { delayed, gather } from '@taskgraph/core'
import { describe, expect, test } from 'vitest'
import { compute } from '@taskgraph/scheduler'
import { timedBusy, timedBusyAfter } from './fixtures/pool-tasks.mjs'
import { makePool, POOLS } from './pools.js'

/** A step that logs its name to `order` when it runs. */
function stepper(order: string[]) {
  return (name: string) =>
    delayed(
      (..._inputs: unknown[]) => {
        order.push(name)
        return name
      },
      { name },
    )
}

describe('the inline executor', () => {
  test('finishes one chain before starting the next', async () => {
    const order: string[] = []
    const step = stepper(order)
    const a3 = step('a3')(step('a2')(step('a1')()))
    const b3 = step('b3')(step('b2')(step('b1')()))
    await gather(a3, b3).compute({ executor: 'inline' })
    expect(order).toMatchInlineSnapshot(`
      [
        "a1",
        "a2",
        "a3",
        "b1",
        "b2",
        "b3",
      ]
    `)
  })

  test('follows the order the targets are given in', async () => {
    const order: string[] = []
    const step = stepper(order)
    const a2 = step('a2')(step('a1')())
    const b2 = step('b2')(step('b1')())
    await compute(b2, a2, { executor: 'inline' })
    expect(order).toMatchInlineSnapshot(`
      [
        "b1",
        "b2",
        "a1",
        "a2",
      ]
    `)
  })

  test('runs a shared dependency first, then each branch to its end', async () => {
    const order: string[] = []
    const step = stepper(order)
    const root = step('root')()
    const left = step('left 2')(step('left 1')(root))
    const right = step('right 2')(step('right 1')(root))
    await step('join')(left, right).compute({ executor: 'inline' })
    expect(order).toMatchInlineSnapshot(`
      [
        "root",
        "left 1",
        "left 2",
        "right 1",
        "right 2",
        "join",
      ]
    `)
  })

  test('is the same from run to run', async () => {
    const runs: string[][] = []
    for (let run = 0; run < 3; run++) {
      const order: string[] = []
      const step = stepper(order)
      const shared = step('shared')()
      const parts = ['p', 'q', 'r'].map((name) => step(`${name} 2`)(step(`${name} 1`)(shared)))
      await step('all')(...parts).compute({ executor: 'inline' })
      runs.push(order)
    }
    expect(runs[0]).toEqual(['shared', 'p 1', 'p 2', 'q 1', 'q 2', 'r 1', 'r 2', 'all'])
    expect(runs[1]).toEqual(runs[0])
    expect(runs[2]).toEqual(runs[0])
  })
})

describe.each(POOLS)('the %s executor', (name) => {
  // Two workers, busy 200 and 400 ms with the roots of the step `s`; roots `x1` and `x2`
  // come after `s` in priority. A pool that sent each worker a second call ahead would
  // have queued `x1` and `x2` behind them, and `s` would wait for both. The roots end
  // 200 ms apart, and `x1` 400 ms after `b`: two ends read in one turn of a loaded
  // machine's event loop may free both workers before the run hears of either, which is
  // no order the run could keep.
  test('runs a step made ready before the long tasks that come after it in priority', async () => {
    const pool = makePool(name)
    try {
      // A first run times the function: calls of unknown cost are not held back (an
      // async function's overlap in a worker).
      await compute(timedBusy(50), { executor: pool })
      const busy = (key: string, ms: number) => timedBusy.with({ key })(ms)
      const s = timedBusyAfter.with({ key: 's' })(200, busy('a', 200), busy('b', 400))
      const [step, x1, x2] = await compute(s, busy('x1', 600), busy('x2', 600), {
        executor: pool,
      })
      expect(step.start).toBeLessThan(x2.start)
      expect(x1.start).toBeLessThan(x2.start)
    } finally {
      await pool.close()
    }
  })

  // A call not known to be long (its function not timed yet) that has run a while holds
  // its worker: nothing goes behind it while another worker is free. Behind one that
  // never ends (a cancelled run's, on an executor of one's own), a run waited for ever.
  test('sends nothing behind a call that has run long, while another worker is free', async () => {
    const pool = makePool(name, { workers: 2 })
    try {
      await pool.start()
      let started!: () => void
      const running = new Promise<void>((resolve) => (started = resolve))
      const long = compute(timedBusy.with({ key: 'long' })(1500), {
        executor: pool,
        hooks: { onTaskStart: () => started() },
      })
      await running
      await new Promise((resolve) => setTimeout(resolve, 100))
      const quick = (key: string) => timedBusy.with({ key })(1)
      const [q1, q2] = await compute(quick('q1'), quick('q2'), { executor: pool })
      const [held] = await long
      expect(q1.start).toBeLessThan(held.end)
      expect(q2.start).toBeLessThan(held.end)
    } finally {
      await pool.close()
    }
  })

  // Before its engine had loaded, a new pool took every ready task at once and ran them
  // in the order handed over: every producer before any consumer, their results held
  // together (40 results of 50 MB, on a graph of 20 such consumers).
  test('a first run on a new pool keeps the chain-first order', async () => {
    const pool = makePool(name, { workers: 1 })
    try {
      // Two producers a consumer: not a chain, which would run fused, as one call.
      const pairs = Array.from({ length: 6 }, (_, i) => {
        const made = timedBusy.with({ key: `p${i}` })(20)
        const other = timedBusy.with({ key: `q${i}` })(20)
        return [made, timedBusyAfter.with({ key: `c${i}` })(20, made, other)] as const
      })
      const [used, lastMade] = await compute(
        gather(...pairs.map(([, consumer]) => consumer)),
        pairs.at(-1)![0],
        { executor: pool },
      )
      expect(used[0]!.start).toBeLessThan(lastMade.start)
    } finally {
      await pool.close()
    }
  })
})
