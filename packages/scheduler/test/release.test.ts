import { delayed } from '@taskgraph/core'
import { describe, expect, test } from 'vitest'
import { compute } from '@taskgraph/scheduler'
import { EXECUTORS } from './executors.js'
import { nextTurn } from './helpers.js'

interface Big {
  readonly data: number[]
}

/** A full garbage collection; vitest.config.ts starts test workers with --expose-gc. */
function collectGarbage(): void {
  if (globalThis.gc === undefined) throw new Error('run the tests with node --expose-gc')
  globalThis.gc()
}

describe.each(EXECUTORS)('on the %s executor', (executor) => {
  const options = { executor }

  describe.each(['sync', 'async'] as const)('with a %s producer', (kind) => {
    /** A task making a large result, and a WeakRef that tells whether it is still held. */
    function producer() {
      const state: { ref?: WeakRef<Big> } = {}
      const make = (): Big => {
        const big = { data: new Array<number>(100_000).fill(1) }
        state.ref = new WeakRef(big)
        return big
      }
      const task = kind === 'sync' ? delayed(make) : delayed(async () => Promise.resolve(make()))
      return { task, isHeld: () => state.ref?.deref() !== undefined }
    }

    const measure = delayed((big: Big) => big.data.length)

    /** A task that, while it runs, collects garbage and records whether `isHeld()`. */
    function probe(isHeld: () => boolean) {
      const seen: { held?: boolean } = {}
      const task = delayed(async (n: number) => {
        // A WeakRef keeps its target alive until the job that made it ends.
        await nextTurn()
        collectGarbage()
        seen.held = isHeld()
        return n
      })
      return { task, seen }
    }

    test('an intermediate result is released once its consumers finish', async () => {
      const { task: make, isHeld } = producer()
      const { task: later, seen } = probe(isHeld)
      expect(await later(measure(make())).compute(options)).toBe(100_000)
      expect(seen.held).toBe(false)
    })

    test('an output is kept while later tasks run', async () => {
      const { task: make, isHeld } = producer()
      const { task: later, seen } = probe(isHeld)
      const big = make()
      const [value, length] = await compute(big, later(measure(big)), options)
      expect(seen.held).toBe(true)
      expect(value.data).toHaveLength(100_000)
      expect(length).toBe(100_000)
    })
  })
})
