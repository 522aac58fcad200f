import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  delayedProperties,
  NotComputedError,
  parallelCompute,
  PropertyElementError,
} from '@taskgraph/patterns'
import { compute, SerializationError, TimeoutError, WorkerLostError } from '@taskgraph/scheduler'
import type { ComputeHooks } from '@taskgraph/scheduler'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { EXECUTORS, shared } from './executors.js'
import {
  Chain,
  Described,
  here,
  Mixed,
  ParallelComputation,
  ParallelDepComputation,
  ParallelMeanComputation,
  ParallelNormComputation,
  Point,
  Secret,
  Stuck,
  Tagged,
  Unsendable,
} from './fixtures/seed-properties.js'
import { nextTurn, rejection } from './helpers.js'

/** Hooks recording each task's start and end by property name, in order. */
function recordEvents(): { events: string[]; hooks: ComputeHooks } {
  const events: string[] = []
  return {
    events,
    hooks: {
      onTaskStart: ({ name }) => events.push(`start ${name}`),
      onTaskEnd: ({ name }) => events.push(`end ${name}`),
    },
  }
}

// Property functions defined in a module's top-level code reach the workers: none falls
// back to the main thread, which would warn.
const warnings: string[] = []
const listen = (warning: Error & { code?: string }): void => {
  warnings.push(`${warning.code}: ${warning.message}`)
}
beforeAll(() => process.on('warning', listen))
afterAll(() => process.off('warning', listen))

describe.each(EXECUTORS)('on the %s executor', (name) => {
  const executor = shared(name)
  const onPool = name === 'threads' || name === 'processes'
  const host = here()

  // The four examples of ΦML's notebook, in order.

  test('a property is evaluated per element and stacked back', async () => {
    const computation = ParallelComputation.create({ data: [1, 2, 3] })
    await parallelCompute(computation, ['result'], { executor })
    expect(computation.result).toEqual([2, 4, 6])
    expect({ ...computation }).toEqual({ data: [1, 2, 3], result: [2, 4, 6] })
  })

  test('a property used by the requested one is computed first, and not kept', async () => {
    const computation = ParallelDepComputation.create({ data: [1, 2, 3] })
    await parallelCompute(computation, ['result'], { executor })
    expect(computation.result).toEqual([3, 5, 7])
    expect(Object.keys(computation)).toEqual(['data', 'result'])
    expect(() => computation.tmpResult).toThrow(NotComputedError)
  })

  test('a whole-batch mean runs once on the host, after the per-element results from the workers', async () => {
    const computation = ParallelMeanComputation.create({ data: [1, 2, 3] })
    await parallelCompute(computation, ['mean'], { executor })
    const { value, ranOn, individualRanOn } = computation.mean
    expect(value).toBe(4)
    expect(ranOn).toBe(host)
    expect(individualRanOn).toHaveLength(3)
    for (const place of individualRanOn) {
      if (onPool) expect(place).not.toBe(host)
      else expect(place).toBe(host)
    }
    expect(Object.keys(computation)).toEqual(['data', 'mean'])
  })

  test('three stages: per element, the whole batch on the host, per element again', async () => {
    const { events, hooks } = recordEvents()
    const computation = ParallelNormComputation.create({ data: [1, 2, 3] })
    await parallelCompute(computation, ['normalizedResult'], { executor, hooks })
    const results = computation.normalizedResult
    expect(results.map((result) => result.value)).toEqual([-2, 0, 2])
    for (const result of results) {
      expect(result.meanRanOn).toBe(host)
      if (onPool) expect(result.ranOn).not.toBe(host)
      else expect(result.ranOn).toBe(host)
    }
    expect(Object.keys(computation)).toEqual(['data', 'normalizedResult'])
    expect(() => computation.mean).toThrow(NotComputedError)
    // The mean starts after every individual result ended, and before any normalized one.
    const meanStart = events.indexOf('start mean')
    expect(events.lastIndexOf('end individualResult')).toBeLessThan(meanStart)
    expect(events.indexOf('start normalizedResult')).toBeGreaterThan(events.indexOf('end mean'))
    expect(events.filter((event) => event.startsWith('start')).sort()).toEqual([
      'start individualResult',
      'start individualResult',
      'start individualResult',
      'start mean',
      'start normalizedResult',
      'start normalizedResult',
      'start normalizedResult',
      'start properties',
    ])
  })

  // What else the notebook promises, and what TypeScript users need.

  test('only what the requested properties use runs', async () => {
    const { events, hooks } = recordEvents()
    const computation = ParallelNormComputation.create({ data: [1, 2, 3] })
    await parallelCompute(computation, ['mean'], { executor, hooks })
    expect(computation.mean.value).toBe(4)
    expect(events.filter((event) => event.startsWith('start')).sort()).toEqual([
      'start individualResult',
      'start individualResult',
      'start individualResult',
      'start mean',
      'start properties',
    ])
  })

  test('properties the object holds are used, not computed again', async () => {
    const computation = ParallelNormComputation.create({ data: [1, 2, 3] })
    await parallelCompute(computation, ['individualResult', 'mean'], { executor })
    const { events, hooks } = recordEvents()
    await parallelCompute(computation, ['normalizedResult'], { executor, hooks })
    expect(computation.normalizedResult.map((result) => result.value)).toEqual([-2, 0, 2])
    expect(events.filter((event) => event.startsWith('start')).sort()).toEqual([
      'start normalizedResult',
      'start normalizedResult',
      'start normalizedResult',
      'start properties',
    ])
    expect(Object.keys(computation)).toEqual([
      'data',
      'individualResult',
      'mean',
      'normalizedResult',
    ])
  })

  test('each element’s chain of per-element properties runs in one worker', async () => {
    const computation = Chain.create({ data: [1, 2, 3, 4] })
    await parallelCompute(computation, ['second'], { executor })
    expect(computation.second.map((result) => result.value)).toEqual([10, 20, 30, 40])
    for (const result of computation.second) {
      expect(result.firstRanOn).toBe(result.ranOn)
      if (onPool) expect(result.ranOn).not.toBe(host)
    }
  })

  test('typed arrays, several batched fields, a shared field and async functions', async () => {
    const computation = Mixed.create({
      xs: Float64Array.of(1, 2, 3),
      labels: ['a', 'b', 'c'],
      scale: 10,
    })
    await parallelCompute(computation, ['scaled', 'count'], { executor })
    expect(computation.scaled).toEqual(['a=10', 'b=20', 'c=30'])
    expect(computation.count).toEqual({ elements: 3, scaled: 3 })
  })

  test('an empty batch gives empty stacks', async () => {
    const computation = ParallelComputation.create({ data: [] })
    await parallelCompute(computation, ['result'], { executor })
    expect(computation.result).toEqual([])
  })

  // The error named the task and the property, but not which element failed.
  // Had no index: only what the function threw named the element.
  test("an element's timeout, or its lost worker, names the element's index", async () => {
    const timedOut = await rejection(
      parallelCompute(Stuck.create({ data: [0, 1, 2] }), ['stuck'], { executor }),
    )
    expect(timedOut).toBeInstanceOf(TimeoutError)
    expect(timedOut).toMatchObject({ code: 'ERR_TASK_TIMEOUT', functionName: 'stuck', index: 1 })
    if (!onPool) return
    const lost = await rejection(
      parallelCompute(Stuck.create({ data: [0, 1, 2] }), ['exiting'], { executor }),
    )
    expect(lost).toBeInstanceOf(WorkerLostError)
    expect(lost).toMatchObject({ code: 'ERR_WORKER_LOST', functionName: 'exiting', index: 1 })
  })

  test('a failing element fails the run with a PropertyElementError naming the property and the element; nothing is kept', async () => {
    const computation = Mixed.create({
      xs: Float64Array.of(1, 2),
      labels: ['ok', 'bad'],
      scale: 1,
    })
    const error = (await rejection(
      parallelCompute(computation, ['failing', 'scaled'], { executor }),
    )) as PropertyElementError
    expect(error).toBeInstanceOf(PropertyElementError)
    expect(error).toMatchObject({ code: 'ERR_TASK_FAILED', functionName: 'failing', index: 1 })
    expect((error.cause as Error).name).toBe('RangeError')
    expect(Object.keys(computation)).toEqual(['xs', 'labels', 'scale'])
    // A rejection, in the lazy form.
    const rejecting = Mixed.create({ xs: Float64Array.of(1, 2), labels: ['late', 'ok'], scale: 1 })
    const lazy = await rejection(compute(delayedProperties(rejecting, ['failing']), { executor }))
    expect(lazy).toBeInstanceOf(PropertyElementError)
    expect(lazy).toMatchObject({ functionName: 'failing', index: 0 })
    expect(((lazy as Error).cause as Error).name).toBe('RangeError')
  })

  // Named "the result" only: which element's value could not be sent back was not said.
  // With a cache, the value went through v8.serialize first: a function failed as a
  // plain TaskError naming no element, and a class instance came back a plain object.
  test.each(['handle', 'point'] as const)(
    'a per-element value a worker cannot send back (%s) is a SerializationError naming the element, with a cache or without',
    async (property) => {
      const dir = mkdtempSync(join(tmpdir(), 'taskgraph-properties-'))
      try {
        for (const cache of [{}, { cacheDir: dir, memoryLimit: 0 }]) {
          const computation = Unsendable.create({ data: [0, 1, 2, 3] })
          const run = parallelCompute(computation, [property], { executor, ...cache })
          if (!onPool) {
            // Nothing is copied on the calling thread; what a file cannot hold stays in memory.
            await run
            if (property === 'handle') expect(typeof computation.handle[2]).toBe('function')
            else expect(computation.point[2]).toBeInstanceOf(Point)
            continue
          }
          const error = await rejection(run)
          expect(error).toBeInstanceOf(SerializationError)
          expect(error).toMatchObject({
            code: 'ERR_NOT_SERIALIZABLE',
            direction: 'result',
            path: `${property}[2]`,
            index: 2,
            functionName: property,
          })
          expect(Object.keys(computation)).toEqual(['data'])
        }
        expect(readdirSync(dir)).toEqual([])
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
  )

  // Named by the task's argument, args[2].data, with advice for delayed() that does not apply.
  test('a field element a worker cannot be sent is a SerializationError naming the element; a field every element sees, the field', async () => {
    const computation = Described.create({ data: [0, 1, new Secret(), 3], shared: 1 })
    const shared = Described.create({ data: [0, 1], shared: Symbol('shared') })
    if (!onPool) {
      await parallelCompute(computation, ['described'], { executor })
      expect(computation.described[2]).toBe('object number')
      await parallelCompute(shared, ['described'], { executor })
      expect(shared.described).toEqual(['number symbol', 'number symbol'])
      return
    }
    const error = await rejection(parallelCompute(computation, ['described'], { executor }))
    expect(error).toBeInstanceOf(SerializationError)
    expect(error).toMatchObject({
      code: 'ERR_NOT_SERIALIZABLE',
      direction: 'argument',
      path: 'data[2]',
      index: 2,
      functionName: 'described',
    })
    const sharedError = await rejection(parallelCompute(shared, ['described'], { executor }))
    expect(sharedError).toBeInstanceOf(SerializationError)
    expect(sharedError).toMatchObject({ direction: 'argument', path: 'shared' })
    expect(sharedError).not.toHaveProperty('index')
  })

  // The two per-element steps run fused: the second's own field was blamed on the first.
  test('a field element a fused per-element step cannot be sent names that step and the element', async () => {
    const computation = Tagged.create({ data: [0, 1, 2], tag: ['a', 'b', Symbol('c')] })
    if (!onPool) {
      await parallelCompute(computation, ['second'], { executor })
      expect(computation.second).toEqual(['1 string', '2 string', '3 symbol'])
      return
    }
    const error = await rejection(parallelCompute(computation, ['second'], { executor }))
    expect(error).toBeInstanceOf(SerializationError)
    expect(error).toMatchObject({
      code: 'ERR_NOT_SERIALIZABLE',
      direction: 'argument',
      path: 'tag[2]',
      index: 2,
      functionName: 'second',
    })
  })

  test('the lazy form computes the requested values and leaves the object as it is', async () => {
    const computation = ParallelNormComputation.create({ data: [1, 2, 3] })
    const lazy = delayedProperties(computation, ['mean', 'normalizedResult'])
    const [values] = await compute(lazy, { executor })
    expect(values.mean.value).toBe(4)
    expect(values.normalizedResult.map((result) => result.value)).toEqual([-2, 0, 2])
    expect(Object.keys(values)).toEqual(['mean', 'normalizedResult'])
    expect(Object.keys(computation)).toEqual(['data'])
  })

  test('no property function ran on the main thread for want of a worker', async () => {
    await nextTurn()
    expect(warnings).toEqual([])
  })
})
