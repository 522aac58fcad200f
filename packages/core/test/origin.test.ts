import { pathToFileURL } from 'node:url'
import { describe, expect, test } from 'vitest'
import { delayed, registerTaskModule } from '../src/index.js'
import { findFunction, originOf, recordedModules } from '../src/internal.js'
import { adders, inc, later } from './fixtures/made-at-load.js'
import { steps } from './fixtures/made-by-two-copies.js'

const fixtureURL = pathToFileURL(
  new URL('./fixtures/made-at-load.ts', import.meta.url).pathname,
).href

describe('function origins', () => {
  test('a function wrapped by a module’s top-level code records that module, its name and order', () => {
    expect(originOf(inc)).toEqual({ url: fixtureURL, name: 'inc', occurrence: 0 })
    expect(adders.map((adder) => originOf(adder.fn))).toEqual([
      { url: fixtureURL, name: 'add', occurrence: 0 },
      { url: fixtureURL, name: 'add', occurrence: 1 },
    ])
    expect(recordedModules()).toContain(fixtureURL)
  })

  test('functions of one name count in the order made, whichever copy of taskgraph made them', () => {
    const url = pathToFileURL(
      new URL('./fixtures/made-by-two-copies.ts', import.meta.url).pathname,
    ).href
    expect(steps.map((step) => originOf(step.fn))).toEqual(
      [0, 1, 2, 3].map((occurrence) => ({ url, name: 'step', occurrence })),
    )
    for (const step of steps) expect(findFunction(originOf(step.fn)!)).toBe(step.fn)
  })

  test('findFunction gives back the function an origin names', () => {
    const [first, second] = adders
    expect(findFunction(originOf(first!.fn)!)).toBe(first!.fn)
    expect(findFunction(originOf(second!.fn)!)).toBe(second!.fn)
    expect(findFunction({ url: fixtureURL, name: 'add', occurrence: 2 })).toBeUndefined()
    expect(findFunction({ url: 'file:///nowhere.mjs', name: 'inc', occurrence: 0 })).toBeUndefined()
  })

  test('a function wrapped by something the top-level code awaits, after an await, has no origin', () => {
    // The module body is then only an awaiting caller: a worker re-evaluating the module
    // could not count on making the function at the same point.
    expect(originOf(later.fn)).toBeUndefined()
  })

  test('a function wrapped later, outside any module’s evaluation, has no origin', () => {
    const local = delayed(function made(x: number) {
      return x
    })
    expect(originOf(local.fn)).toBeUndefined()
  })

  test('registerTaskModule adds a module without task functions of its own', () => {
    const url = 'file:///workflows/registered.mjs'
    expect(recordedModules()).not.toContain(url)
    registerTaskModule(url)
    expect(recordedModules()).toContain(url)
  })
})
