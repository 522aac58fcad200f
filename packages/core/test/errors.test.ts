import { describe, expect, test } from 'vitest'
import {
  CycleError,
  InvalidArgumentError,
  InvalidOptionError,
  KeyClashError,
  MissingKeyError,
  NoSchedulerError,
  NotCallableError,
  TaskgraphError,
  delayed,
  literal,
} from '../src/index.js'
import type { AnyFunction, CallOptions, DelayedOptions, LiteralOptions } from '../src/index.js'

function inc(x: number): number {
  return x + 1
}

/** A Proxy whose properties, and whether it is an array, can no longer be asked. */
function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({}, {})
  revoke()
  return proxy
}

describe('the error typology', () => {
  test.each([
    ['NotCallableError', 'ERR_NOT_CALLABLE', new NotCallableError({ message: 'm' })],
    ['InvalidArgumentError', 'ERR_INVALID_ARGUMENT', new InvalidArgumentError({ message: 'm' })],
    ['InvalidOptionError', 'ERR_INVALID_OPTION', new InvalidOptionError({ message: 'm' })],
    ['KeyClashError', 'ERR_KEY_CLASH', new KeyClashError({ key: 'k', message: 'm' })],
    ['CycleError', 'ERR_GRAPH_CYCLE', new CycleError({ cycle: ['a', 'a'], message: 'm' })],
    ['MissingKeyError', 'ERR_MISSING_KEY', new MissingKeyError({ key: 'k', message: 'm' })],
    ['NoSchedulerError', 'ERR_NO_SCHEDULER', new NoSchedulerError({ message: 'm' })],
  ] as const)('%s is a TaskgraphError with code %s', (name, code, error) => {
    expect(error).toBeInstanceOf(TaskgraphError)
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe(name)
    expect(error.code).toBe(code)
    expect(error.stack?.startsWith(`${name}: m`)).toBe(true)
  })

  test('an invalid option is an invalid argument', () => {
    expect(new InvalidOptionError({ message: 'm' })).toBeInstanceOf(InvalidArgumentError)
  })

  test('is made with one object, which may carry a cause and the fields of its class', () => {
    const cause = new RangeError('inner')
    const error = new TaskgraphError({ code: 'ERR_KEY_CLASH', message: 'm', cause })
    expect(error).toMatchObject({ code: 'ERR_KEY_CLASH', message: 'm', cause })
    expect('cause' in new NotCallableError({ message: 'm' })).toBe(false)
    expect(new KeyClashError({ key: 'k', message: 'm' }).key).toBe('k')
    expect(new MissingKeyError({ key: 'k', message: 'm' }).key).toBe('k')
    expect(new CycleError({ cycle: ['a', 'a'], message: 'm' }).cycle).toEqual(['a', 'a'])
  })
})

describe('delayed', () => {
  test.each([42, 'inc', null, undefined, { call: inc }])(
    'rejects %s, which is not a function, with NotCallableError',
    (value) => {
      expect(() => delayed(value as unknown as AnyFunction)).toThrow(NotCallableError)
    },
  )

  test.each<[string, unknown]>([
    ['an unknown option', { nmae: 'x' }],
    ['a key, which belongs to one call', { key: 'k' }],
    ['an empty name', { name: '' }],
    ['a name that is not a string', { name: 7 }],
    ['pure that is not a boolean', { pure: 'yes' }],
    ['cache that is not a boolean', { cache: 1 }],
    ['cache: true on an impure function', { cache: true, pure: false }],
    ['a negative nout', { nout: -1 }],
    ['a fractional nout', { nout: 1.5 }],
    ['options that are not an object', 'pure'],
    ['null options', null],
    ['a revoked Proxy as options', revokedProxy()],
  ])('rejects %s with InvalidOptionError', (_, options) => {
    expect(() => delayed(inc, options as DelayedOptions)).toThrow(InvalidOptionError)
  })

  test.each<[string, unknown]>([
    ['an unknown option', { keys: 'k' }],
    ['an empty key', { key: '' }],
    ['a key that is not a string', { key: 1 }],
    ['null options', null],
  ])('with() rejects %s with InvalidOptionError', (_, options) => {
    expect(() => delayed(inc).with(options as CallOptions)).toThrow(InvalidOptionError)
  })

  test('with() rejects making a cached function impure, naming both options', () => {
    expect(() => delayed(inc, { cache: true }).with({ pure: false })).toThrow(
      /with: options "cache: true" and "pure: false" contradict each other/,
    )
  })

  test('cache implies pure; pure means cached unless cache: false', () => {
    const specOf = (fn: ReturnType<typeof delayed>) => {
      const { pure, cache } = fn(1)._spec
      return { pure, cache }
    }
    expect(specOf(delayed(inc, { cache: true }))).toEqual({ pure: true, cache: true })
    expect(specOf(delayed(inc, { pure: true }))).toEqual({ pure: true, cache: true })
    expect(specOf(delayed(inc, { pure: true, cache: false }))).toEqual({ pure: true, cache: false })
    expect(specOf(delayed(inc))).toEqual({ pure: false, cache: false })
  })
})

describe('literal', () => {
  test.each<[string, unknown]>([
    ['an unknown option', { nmae: 'x' }],
    ['an empty name', { name: '' }],
    ['a key that is not a string', { key: 1 }],
    ['pure that is not a boolean', { pure: 'yes' }],
    ['cache that is not a boolean', { cache: 1 }],
    ['cache: true on an impure function', { cache: true, pure: false }],
    ['options that are not an object', 'data'],
    ['null options', null],
  ])('rejects %s with InvalidOptionError', (_, options) => {
    expect(() => literal(1, options as LiteralOptions)).toThrow(InvalidOptionError)
  })

  test('rejects a value holding Delayed with InvalidArgumentError', () => {
    const x = delayed(inc)(1)
    expect(() => literal({ values: [x] })).toThrow(InvalidArgumentError)
  })

  test('rejects a promise, or any thenable, with InvalidArgumentError', () => {
    expect(() => literal(Promise.resolve(1) as never)).toThrow(InvalidArgumentError)
    expect(() => literal({ then: () => undefined } as never)).toThrow(InvalidArgumentError)
    expect(literal({ then: 'not a method' }).key).toMatch(/^literal-/)
  })
})

describe('Delayed#at', () => {
  test('rejects an index that is not an integer with InvalidArgumentError', () => {
    const list = delayed(() => [1, 2])()
    expect(() => list.at(0.5)).toThrow(InvalidArgumentError)
    expect(() => list.at(Number.NaN)).toThrow(InvalidArgumentError)
  })
})

// Both took any value as a property name, read as its text: `get(undefined)` computed to
// undefined, `call({})` failed at run time with "no method [object Object]".
describe('Delayed#get and Delayed#call', () => {
  test('reject what is not a property name with InvalidArgumentError', () => {
    const user = literal({ name: 'ann' })
    const untyped = user as unknown as { call(method: unknown): unknown }
    for (const key of [undefined, null, {}, ['name'], () => 'name']) {
      expect(() => user.get(key as never)).toThrow(InvalidArgumentError)
      expect(() => untyped.call(key)).toThrow(InvalidArgumentError)
    }
    expect(() => user.get(undefined as never)).toThrow(
      /^Delayed#get: key must be a property name \(a string, a number or a symbol\), got undefined\./,
    )
    expect(user.get('name').name).toBe('get')
    expect(literal([1]).get(0).name).toBe('get')
  })
})

describe('without a scheduler', () => {
  // The core package never loads the scheduler, so nothing is registered here.
  test('compute and persist reject with NoSchedulerError', async () => {
    const x = delayed(inc)(1)
    await expect(x.compute()).rejects.toBeInstanceOf(NoSchedulerError)
    await expect(x.persist()).rejects.toBeInstanceOf(NoSchedulerError)
  })
})
