import { describe, expectTypeOf, test } from 'vitest'
import { delayed, fromSpec, gather, literal, ref, task } from '../src/index.js'
import type { Delayed, DelayedFunction, DelayedTuple, DelayedTupleFunction } from '../src/index.js'

function add(a: number, b: number): number {
  return a + b
}

function describeUser(user: { name: string; tags: string[] }, verbose?: boolean): string {
  return verbose ? `${user.name} (${user.tags.join(', ')})` : user.name
}

async function fetchCount(url: string): Promise<number> {
  return Promise.resolve(url.length)
}

function divmod(a: number, b: number): [number, number] {
  return [Math.floor(a / b), a % b]
}

const one = literal(1)
const text = literal('text')

describe('delayed', () => {
  test('infers parameter and result types', () => {
    const dAdd = delayed(add)
    expectTypeOf(dAdd).toEqualTypeOf<DelayedFunction<typeof add>>()
    expectTypeOf(dAdd(1, 2)).toEqualTypeOf<Delayed<number>>()
    expectTypeOf(dAdd).parameter(0).toEqualTypeOf<number | Delayed<number>>()
  })

  test('each parameter takes a value or a Delayed of it', () => {
    const dAdd = delayed(add)
    expectTypeOf(dAdd(one, 2)).toEqualTypeOf<Delayed<number>>()
    expectTypeOf(dAdd(dAdd(1, 2), one)).toEqualTypeOf<Delayed<number>>()
  })

  test('arrays and object types take Delayed members at any depth', () => {
    const dDescribe = delayed(describeUser)
    dDescribe({ name: text, tags: ['a', text] })
    dDescribe({ name: 'ann', tags: literal(['a']) }, literal(true))
    dDescribe(literal({ name: 'ann', tags: [] }))
    const sum = delayed((rows: { values: number[] }[]) => rows.length)
    expectTypeOf(sum([{ values: [one, 2] }, { values: literal([3]) }])).toEqualTypeOf<
      Delayed<number>
    >()
  })

  test('interface-typed parameters take object literals with Delayed members', () => {
    interface Point {
      x: number
      label: string
    }
    const show = delayed((point: Point) => `${point.label}@${point.x}`)
    expectTypeOf(show({ x: one, label: text })).toEqualTypeOf<Delayed<string>>()
    // @ts-expect-error a Delayed of the wrong type for a member
    show({ x: text, label: text })
  })

  test('rejects arguments of the wrong type, lazy or not', () => {
    const dAdd = delayed(add)
    // @ts-expect-error a string is not a number
    dAdd('1', 2)
    // @ts-expect-error a Delayed<string> is not a number
    dAdd(text, 2)
    // @ts-expect-error a missing argument
    dAdd(1)
    const dDescribe = delayed(describeUser)
    // @ts-expect-error a Delayed<number> where a string member is expected
    dDescribe({ name: one, tags: [] })
    // @ts-expect-error a Delayed<string> inside a string[]
    dDescribe({ name: 'ann', tags: [one] })
  })

  test('an async function gives a Delayed of the awaited result', () => {
    const dFetch = delayed(fetchCount)
    expectTypeOf(dFetch('url')).toEqualTypeOf<Delayed<number>>()
    expectTypeOf(delayed(async () => Promise.resolve({ ok: true }))()).toEqualTypeOf<
      Delayed<{ ok: boolean }>
    >()
  })

  test('an overloaded function takes the arguments of any overload', () => {
    function measure(text: string): number
    function measure(items: readonly string[], separator: string): string
    function measure(value: string | readonly string[], separator?: string): number | string {
      return typeof value === 'string' ? value.length : value.join(separator)
    }
    const dMeasure = delayed(measure)
    expectTypeOf(dMeasure('abc')).toEqualTypeOf<Delayed<number | string>>()
    expectTypeOf(dMeasure(literal(['a']), text)).toEqualTypeOf<Delayed<number | string>>()
    // @ts-expect-error no overload takes a number
    dMeasure(1)
    // @ts-expect-error the second overload needs its separator
    dMeasure(['a'])
    const pair = delayed(measure, { nout: 2 })
    expectTypeOf(pair('abc')).toEqualTypeOf<DelayedTuple<unknown[]>>()
  })

  test('with({ key }) keeps the types', () => {
    expectTypeOf(delayed(add).with({ key: 'k' })).toEqualTypeOf<DelayedFunction<typeof add>>()
  })
})

describe('nout', () => {
  test('calls are tuples that destructure into typed elements', () => {
    const dDivmod = delayed(divmod, { nout: 2 })
    expectTypeOf(dDivmod).toEqualTypeOf<DelayedTupleFunction<typeof divmod>>()
    const result = dDivmod(7, 2)
    expectTypeOf(result).toEqualTypeOf<DelayedTuple<[number, number]>>()
    // Destructuring goes through the iterator, so under noUncheckedIndexedAccess (which
    // this project sets) TypeScript adds `undefined`; unpack() gives exact positions.
    const [q, r] = result
    expectTypeOf(q).toEqualTypeOf<Delayed<number> | undefined>()
    expectTypeOf(r).toEqualTypeOf<Delayed<number> | undefined>()
    expectTypeOf(result.unpack()).toEqualTypeOf<[Delayed<number>, Delayed<number>]>()
    const pair = delayed((): [string, boolean] => ['a', true], { nout: 2 })()
    expectTypeOf(pair.unpack()).toEqualTypeOf<[Delayed<string>, Delayed<boolean>]>()
  })
})

describe('literal', () => {
  test('is a Delayed of its value, but not of a promise: await it first', () => {
    expectTypeOf(literal({ p: Promise.resolve(1) })).toEqualTypeOf<
      Delayed<{ p: Promise<number> }>
    >()
    expectTypeOf(literal(text as unknown)).toEqualTypeOf<Delayed<unknown>>()
    // @ts-expect-error a promise
    literal(Promise.resolve(1))
    // @ts-expect-error any thenable
    literal({ then: (resolve: (value: number) => void) => resolve(1) })
    const maybe = text.key === '' ? 1 : Promise.resolve(1)
    // @ts-expect-error a value that may be a promise
    literal(maybe)
  })
})

describe('gather', () => {
  const n = literal(1)
  const s = literal('s')

  test('of several values is a tuple of their types', () => {
    expectTypeOf(gather(n, s)).toEqualTypeOf<DelayedTuple<[number, string]>>()
    expectTypeOf(gather(n, 'plain')).toEqualTypeOf<DelayedTuple<[number, 'plain']>>()
  })

  test('of an array literal is a tuple, of an array type an array', () => {
    expectTypeOf(gather([n, s])).toEqualTypeOf<DelayedTuple<[number, string]>>()
    const many: Delayed<number>[] = [n, n]
    expectTypeOf(gather(many)).toEqualTypeOf<DelayedTuple<number[]>>()
  })

  test('of a plain object is an object of the members’ types', () => {
    expectTypeOf(gather({ x: n, y: { z: s } })).toEqualTypeOf<
      Delayed<{ x: number; y: { z: string } }>
    >()
  })
})

describe('Computed', () => {
  // They were typed as they are, Delayed members and all, though computed like plain
  // objects: an interface is no Record<string, unknown>.
  test('an interface-typed object with lazy members is resolved member by member', async () => {
    interface Job {
      input: Delayed<number>
      label: string
      parts?: Delayed<string>[]
    }
    interface Batch {
      job: Job
      size: number
    }
    const job: Job = { input: literal(1), label: 'a' }
    type ComputedJob = { input: number; label: string; parts?: string[] }
    expectTypeOf(gather(job)).toEqualTypeOf<Delayed<ComputedJob>>()
    expectTypeOf(await delayed((): Batch => ({ job, size: 1 }))().compute()).toEqualTypeOf<{
      job: ComputedJob
      size: number
    }>()
  })

  test('objects without lazy members, and Map or Date, are as they are', () => {
    interface Plain {
      a: number
      loose: any // eslint-disable-line @typescript-eslint/no-explicit-any
    }
    const plain: Plain = { a: 1, loose: 2 }
    expectTypeOf(gather({ plain })).toEqualTypeOf<Delayed<{ plain: Plain }>>()
    const lazyMap = new Map([['a', literal(1)]])
    expectTypeOf(gather({ lazyMap, at: new Date() })).toEqualTypeOf<
      Delayed<{ lazyMap: Map<string, Delayed<number>>; at: Date }>
    >()
  })
})

describe('Delayed methods', () => {
  const user = literal({ name: 'ann', tags: ['a', 'b'], age: 3 })

  test('get reads the type of a property and rejects unknown ones', () => {
    expectTypeOf(user.get('name')).toEqualTypeOf<Delayed<string>>()
    expectTypeOf(user.get('tags')).toEqualTypeOf<Delayed<string[]>>()
    // @ts-expect-error no such property
    user.get('nope')
  })

  test('at gives the element type', () => {
    expectTypeOf(user.get('tags').at(0)).toEqualTypeOf<Delayed<string>>()
    expectTypeOf(user.get('name').at(-1)).toEqualTypeOf<Delayed<string>>()
  })

  test('get and at give a promise they read as its value: the task awaits it', () => {
    const pending = literal({ p: Promise.resolve(5), list: [Promise.resolve('a')] })
    expectTypeOf(pending.get('p')).toEqualTypeOf<Delayed<number>>()
    expectTypeOf(pending.get('list').at(0)).toEqualTypeOf<Delayed<string>>()
  })

  test('call takes the method’s lazy arguments and gives its awaited result', () => {
    expectTypeOf(user.get('name').call('slice', 0, literal(2))).toEqualTypeOf<Delayed<string>>()
    expectTypeOf(user.get('tags').call('join', literal(','))).toEqualTypeOf<Delayed<string>>()
    expectTypeOf(user.get('tags').call('indexOf', 'a')).toEqualTypeOf<Delayed<number>>()
    // Overloaded methods take the arguments of any overload.
    expectTypeOf(user.get('name').call('split', ' ')).toEqualTypeOf<Delayed<string[]>>()
    expectTypeOf(user.get('name').call('split', /\s+/, literal(2))).toEqualTypeOf<
      Delayed<string[]>
    >()
    expectTypeOf(user.get('name').call('replace', 'a', 'b')).toEqualTypeOf<Delayed<string>>()
    const later = literal({
      async load(path: string) {
        return Promise.resolve([path])
      },
    })
    expectTypeOf(later.call('load', 'x')).toEqualTypeOf<Delayed<string[]>>()
    // @ts-expect-error not a method
    user.call('age')
    // @ts-expect-error not a method of an array
    user.get('tags').call('length')
    // @ts-expect-error wrong argument type
    user.get('name').call('slice', 'a')
    // @ts-expect-error no overload takes a number separator
    user.get('name').call('split', 1)
  })
})

describe('fromSpec', () => {
  test('types each entry by its task result or value', () => {
    const spec = fromSpec({ x: 1, y: task(add, ref('x'), 2), name: 'ann' })
    expectTypeOf(spec.y).toEqualTypeOf<Delayed<number>>()
    expectTypeOf(spec.x).toEqualTypeOf<Delayed<1>>()
    expectTypeOf(spec.name).toEqualTypeOf<Delayed<'ann'>>()
  })

  test('types a delayed function entry by the result of the function it wraps', () => {
    const lazyAdd = delayed(add)
    const loadAsync = delayed((path: string) => Promise.resolve(path.length))
    const spec = fromSpec({ x: 1, y: task(lazyAdd, ref('x'), 2), n: task(loadAsync, 'a') })
    expectTypeOf(spec.y).toEqualTypeOf<Delayed<number>>()
    expectTypeOf(spec.n).toEqualTypeOf<Delayed<number>>()
  })

  // They were typed by the last overload's result, and as a Delayed of the graph.
  test('types an entry as a delayed call is: any overload’s result, a returned graph’s result', () => {
    function measure(text: string): number
    function measure(items: readonly string[], separator: string): string
    function measure(value: string | readonly string[], separator?: string): number | string {
      return typeof value === 'string' ? value.length : value.join(separator)
    }
    const withSum = (values: number[]) => delayed(add)(values.length, 1)
    const spec = fromSpec({ m: task(measure, 'abc'), s: task(withSum, [1]) })
    expectTypeOf(spec.m).toEqualTypeOf<Delayed<number | string>>()
    expectTypeOf(spec.s).toEqualTypeOf<Delayed<number>>()
    expectTypeOf(fromSpec({ s: task(delayed(withSum), [1]) }).s).toEqualTypeOf<Delayed<number>>()
  })

  test('refuses a promise as an entry, not one inside an entry', () => {
    expectTypeOf(fromSpec({ x: { p: Promise.resolve(1) } }).x).toEqualTypeOf<
      Delayed<{ readonly p: Promise<number> }>
    >()
    // @ts-expect-error a promise
    fromSpec({ x: Promise.resolve(1), y: task(add, ref('x'), 2) })
  })
})
