import { expect, test } from 'vitest'
import { isThenable } from '../src/internal.js'

test('a thenable is an object or a function with a then method, as await sees it', () => {
  const thenableFunction = Object.assign(() => 1, { then: () => undefined })
  for (const value of [Promise.resolve(1), { then: () => undefined }, thenableFunction]) {
    expect(isThenable(value)).toBe(true)
  }
  for (const value of [null, undefined, 1, 'then', { then: 1 }, () => 1, [Promise.resolve()]]) {
    expect(isThenable(value)).toBe(false)
  }
})
