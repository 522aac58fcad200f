// Data-heavy flows for the memory benchmark (memory.ts): large results made in one task and
// read in another. The task functions are made here at top level, so pool workers import
// this module to run them; each flow knows its expected answer, so a wrong result fails.
//
// A consumer always takes a second, tiny dependency of its own. A task whose only input is
// one producer's result forms a linear chain with it, which pools fuse into one worker
// call: the large value would then never leave the worker, and the flow would no longer
// measure what a pool does with results it must hold and hand on.
import { delayed } from 'taskgraph'

const MB = 2 ** 20
/** Every STRIDE-th element or character is read: enough to touch every page, cheap to sum. */
const STRIDE = 1024

/** A `Float64Array` of `bytes` bytes, every element `value`. */
export const produce = delayed(function produce(value: number, bytes: number) {
  return new Float64Array(bytes / Float64Array.BYTES_PER_ELEMENT).fill(value)
})

/** A tiny task: the second dependency that keeps a consumer out of its producer's chain. */
export const tag = delayed(function tag(value: number) {
  return value
})

/** The strided sum of `values`, which must have been filled with `expected`. */
export const consume = delayed(function consume(values: Float64Array, expected: number) {
  if (values[0] !== expected) {
    throw new Error(`consume: got the array filled with ${values[0]}, expected ${expected}`)
  }
  return stridedSum(values)
})

export const sum = delayed(function sum(values: number[]) {
  let total = 0
  for (const value of values) total += value
  return total
})

/** One task reading every array it is given: a fan-in. */
export const total = delayed(function total(arrays: Float64Array[]) {
  let result = 0
  for (const values of arrays) result += stridedSum(values)
  return result
})

/**
 * A flat one-byte string of `length` characters 'x'. `'x'.repeat(n)` would be a rope that
 * V8 flattens only when something reads it, so the task would return a few bytes.
 */
export const bigString = delayed(function bigString(length: number) {
  return Buffer.alloc(length, 120).toString('latin1')
})

/** How many of every STRIDE-th character of `text` have char code `code`. */
export const countCode = delayed(function countCode(text: string, code: number) {
  let count = 0
  for (let i = 0; i < text.length; i += STRIDE) if (text.charCodeAt(i) === code) count++
  return count
})

function stridedSum(values: Float64Array): number {
  let result = 0
  for (let i = 0; i < values.length; i += STRIDE) result += values[i]!
  return result
}

/** One flow: the value to compute and a check of its result. */
export interface Flow {
  readonly target: unknown
  readonly check: (result: unknown) => void
}

const PRODUCERS = 50
const PRODUCED = 20 * MB
const FAN_IN = 10
const FANNED_IN = 100 * MB
const STRING = 300 * MB
const X = 120

/** Strided elements of an array of `bytes` bytes, each counted once by `stridedSum`. */
const strided = (bytes: number) => Math.ceil(bytes / Float64Array.BYTES_PER_ELEMENT / STRIDE)

function expect(flow: string, expected: number): (result: unknown) => void {
  return (result) => {
    if (result !== expected) throw new Error(`${flow}: got ${String(result)}, expected ${expected}`)
  }
}

/** The flows by name, with what each computes. */
export const flows: Record<string, { readonly what: string; readonly make: () => Flow }> = {
  'producer-consumer': {
    what: `${PRODUCERS} producers of ${PRODUCED / MB} MB Float64Arrays, each read by its own consumer, one sum`,
    make: () => {
      const parts = Array.from({ length: PRODUCERS }, (_, i) =>
        consume(produce(i + 1, PRODUCED), tag(i + 1)),
      )
      // Σ (i + 1) over the producers, times the elements each consumer reads.
      const expected = ((PRODUCERS * (PRODUCERS + 1)) / 2) * strided(PRODUCED)
      return { target: sum(parts), check: expect('producer-consumer', expected) }
    },
  },
  'fan-in': {
    what: `${FAN_IN} producers of ${FANNED_IN / MB} MB Float64Arrays, all read by one task`,
    make: () => {
      const arrays = Array.from({ length: FAN_IN }, (_, i) => produce(i + 1, FANNED_IN))
      const expected = ((FAN_IN * (FAN_IN + 1)) / 2) * strided(FANNED_IN)
      return { target: total(arrays), check: expect('fan-in', expected) }
    },
  },
  'string-output': {
    what: `a ${STRING / MB} MB string returned as the run's output`,
    make: () => ({
      target: bigString(STRING),
      check: (result) => {
        if (
          typeof result !== 'string' ||
          result.length !== STRING ||
          result.charCodeAt(0) !== X ||
          result.charCodeAt(STRING - 1) !== X
        ) {
          throw new Error(`string-output: not the ${STRING / MB} MB string of 'x'`)
        }
      },
    }),
  },
  'string-consumed': {
    what: `a ${STRING / MB} MB string read by another task`,
    make: () => ({
      target: countCode(bigString(STRING), tag(X)),
      check: expect('string-consumed', Math.ceil(STRING / STRIDE)),
    }),
  },
}
