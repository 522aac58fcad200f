import { describe, expect, test } from 'vitest'
import { compute } from '@taskgraph/scheduler'
import { everyResult } from './every-result-cache.js'
import { EXECUTORS, IN_PROCESS, shared } from './executors.js'
import { judgingCache } from './judging-cache.js'
import { inc } from './fixtures/counted-tasks.mjs'
import { makeBigLater, makeBigNow, measure, probe } from './fixtures/memory-tasks.mjs'
import { HERE, expectCallsInWorkers, recordCalls } from './helpers.js'
import { isPool } from './pools.js'

// The fixtures track the large result they make with a WeakRef, and the probe collects
// garbage (vitest.config.ts starts test workers with --expose-gc, which the pools' workers
// share or inherit) and records whether it is still held.
const log = recordCalls()
let tokens = 0

/** What the probe found of the large result, and where the producer and the probe ran. */
function probed(): { state: unknown; madeOn: string | undefined; probedOn: string | undefined } {
  const calls = log.calls()
  const made = calls.find((call) => call.name.startsWith('makeBig'))
  const probeCall = calls.find((call) => call.name === 'probe')
  return { state: probeCall?.detail, madeOn: made?.place, probedOn: probeCall?.place }
}

describe.each(EXECUTORS)('on the %s executor', (name) => {
  const options = { executor: shared(name) }
  expectCallsInWorkers(log, name)

  describe.each(['sync', 'async'] as const)('with a %s producer', (kind) => {
    const make = kind === 'sync' ? makeBigNow : makeBigLater

    /** Runs make -> measure -> probe, a chain a pool fuses into one call in one worker. */
    async function runChain(): Promise<void> {
      const token = `big-${++tokens}`
      expect(await probe(token, measure(make(token))).compute(options)).toBe(100_000)
    }

    test('an intermediate result is released once its consumers finish', async () => {
      await runChain()
      expect(probed().state).toBe('released')
    })

    test('the probe looks where the intermediate result was made', async () => {
      await runChain()
      const { madeOn, probedOn } = probed()
      // On a pool, the chain runs in one worker as one call: the probe looks where the
      // result was made, and the result never came to this thread.
      expect(probedOn).toBe(madeOn)
      if (isPool(name)) expect(madeOn).not.toBe(HERE)
    })
  })
})

// What the run keeps of an output is the value on the calling thread. On a pool, a worker
// makes it and the run keeps a copy, which no task in a worker can look at: this runs on
// the in-process executors only.
describe.each(IN_PROCESS)('on the %s executor', (executor) => {
  describe.each(['sync', 'async'] as const)('with a %s producer', (kind) => {
    const make = kind === 'sync' ? makeBigNow : makeBigLater

    test('an output is kept while later tasks run', async () => {
      const token = `big-${++tokens}`
      const big = make(token)
      const [value, length] = await compute(big, probe(token, measure(big)), { executor })
      expect(probed().state).toBe('held')
      expect(value.data).toHaveLength(100_000)
      expect(length).toBe(100_000)
    })
  })
})

describe.each(EXECUTORS.filter(isPool))('on the %s executor, with a cache', (name) => {
  // A chain's step returning an array of 100,000 is not worth keeping to judgingCache,
  // and its worker keeps it.
  test("a step's result its worker finds not worth keeping stays there; the cache hears its time", async () => {
    const { cache, completed, passedOver } = judgingCache()
    const token = `big-${++tokens}`
    const big = makeBigNow(token)
    const small = inc(1)
    const [length, two] = await compute(measure(big), inc(small), {
      executor: shared(name),
      cache,
    })
    expect([length, two]).toEqual([100_000, 3])
    expect([...passedOver.keys()]).toEqual([big.key])
    expect(passedOver.get(big.key)).toBeGreaterThanOrEqual(0)
    expect(completed.has(big.key)).toBe(false)
    expect(completed.get(small.key)).toBe(2)
  })

  // What a worker sends of a chain's steps goes to the run: a pool that kept the way
  // there once the call had ended would keep the whole run (its graph, its state).
  test('a run that has ended leaves nothing of itself with the pool', async () => {
    async function run(): Promise<WeakRef<object>> {
      let value = inc(1)
      for (let i = 0; i < 5; i++) value = inc(value)
      expect(await compute(value, { executor: shared(name), cache: everyResult })).toEqual([7])
      return new WeakRef(value)
    }
    const target = await run()
    for (let i = 0; i < 5 && target.deref() !== undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      globalThis.gc!()
    }
    expect(target.deref()).toBeUndefined()
  })
})
