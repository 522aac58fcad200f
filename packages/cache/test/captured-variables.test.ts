import { createRequire } from 'node:module'
import { afterEach, describe, expect, test } from 'vitest'
import { CapturedVariables } from '../src/captured-variables.js'

// This module runs under vitest's module runner, which wraps a module's code in a
// function of its own (as Node's CommonJS loader does): its variables are not a call's.
const limit = 5
function top(x: number): number {
  return x + limit
}
function makeScaler(k: number) {
  return function scale(x: number): number {
    return x * k
  }
}
function makeOuter(a: number) {
  return (b: string) => {
    const c = { a, b }
    return function inner(): unknown {
      return c
    }
  }
}
const inLoop: (() => number)[] = []
for (const s of [1, 2]) inLoop.push(() => s + limit)
const made = createRequire(import.meta.url)('./fixtures/made-functions.cjs') as {
  shift: (x: number) => number
  scaled: (x: number) => number
}

let captured: CapturedVariables
afterEach(() => captured?.close())

function scopesOf(fn: (...args: never[]) => unknown) {
  captured = new CapturedVariables()
  return captured.of(fn)
}

describe('CapturedVariables', () => {
  test("a module's own functions close over nothing a call made", () => {
    expect(scopesOf(top)).toEqual([])
    expect(scopesOf(made.shift)).toEqual([])
    // A block of the module's code (a loop's) is the module's too: its origin tells its
    // functions apart.
    expect(scopesOf(inLoop[1]!)).toEqual([])
  })

  test("a factory's function closes over the call's parameters, by the factory's name", () => {
    expect(scopesOf(makeScaler(3))).toEqual([{ maker: 'makeScaler', variables: [['k', 3]] }])
    // In a CommonJS module too, whose code runs in a wrapper function.
    expect(scopesOf(made.scaled)).toEqual([{ maker: 'makeScaler', variables: [['k', 4]] }])
  })

  test('read again, a function gives what it closes over then (a process computes many times)', () => {
    function makeCounter() {
      let n = 0
      const bump = (): number => n++
      const count = (): number => n
      return [bump, count] as const
    }
    const [bump, count] = makeCounter()
    expect(scopesOf(count)).toEqual([{ maker: 'makeCounter', variables: [['n', 0]] }])
    bump()
    expect(scopesOf(count)).toEqual([{ maker: 'makeCounter', variables: [['n', 1]] }])
    // What closes over nothing a call made never will: its answer is kept.
    expect(scopesOf(top)).toEqual([])
    expect(scopesOf(top)).toEqual([])
  })

  test('nested factories: every scope a call made, innermost first, objects as themselves', () => {
    const scopes = scopesOf(makeOuter(1)('two'))!
    expect(scopes.map(({ maker, variables }) => [maker, variables.map(([name]) => name)])).toEqual([
      ['', ['c']],
      ['makeOuter', ['a']],
    ])
    expect(scopes[0]!.variables[0]![1]).toEqual({ a: 1, b: 'two' })
    // The very object the function holds, not a copy.
    const inner = makeOuter(1)('two')
    expect(scopesOf(inner)![0]!.variables[0]![1]).toBe(inner())
  })

  test('a bound function holds what bind was given: its target, this and arguments', () => {
    const self = { k: 2 }
    expect(scopesOf(top.bind(self, 1))).toEqual([
      {
        maker: 'bind',
        variables: [
          ['target', top],
          ['this', self],
          ['arguments', [1]],
        ],
      },
    ])
  })

  test('values JSON cannot carry come back as they are', () => {
    const make = (n: bigint, z: number, nan: number, u: undefined) => () => [n, z, nan, u]
    const [scope] = scopesOf(make(12345678901234567890n, -0, NaN, undefined))!
    const values = Object.fromEntries(scope!.variables)
    expect(values['n']).toBe(12345678901234567890n)
    expect(Object.is(values['z'], -0)).toBe(true)
    expect(values['nan']).toBeNaN()
    expect('u' in values && values['u'] === undefined).toBe(true)
  })
})
