import { describe, expect, test } from 'vitest'
import { delayed, tokenize } from '../../src/index.js'
import { stableToken, stableTokenChunks } from '../../src/internal.js'

/** Builds a doubly linked list of plain objects: every node is part of two cycles. */
function linkedList(length: number, label = 'n') {
  type ListNode = { label: string; prev: ListNode | null; next: ListNode | null }
  const nodes: ListNode[] = Array.from({ length }, (_, i) => ({
    label: `${label}${i}`,
    prev: null,
    next: null,
  }))
  for (let i = 1; i < length; i++) {
    nodes[i - 1]!.next = nodes[i]!
    nodes[i]!.prev = nodes[i - 1]!
  }
  return nodes
}

describe('tokenize', () => {
  test('gives equal tokens for equal content', () => {
    const make = () => ({
      text: 'a',
      numbers: [1, 2.5, -0, NaN, Infinity],
      big: 10n,
      flags: [true, false, null, undefined],
      when: new Date(0),
      pattern: /x+/g,
      map: new Map<unknown, unknown>([['k', { v: [1] }]]),
      set: new Set([1, 'two']),
      bytes: new Uint8Array([1, 2, 3]),
      buffer: new Uint16Array([7, 8]).buffer,
    })
    expect(tokenize(make())).toBe(tokenize(make()))
  })

  test('writes a list of arguments as the general writer writes it inside an object', () => {
    const inc = delayed((x: number) => x + 1, { name: 'inc', pure: true })
    const summed = delayed((xs: number[]) => xs.length, { name: 'count', pure: true })
    const a = inc(1)
    const lists: (readonly unknown[])[] = [
      [],
      ['two', 1, -0, NaN, 3n, true, false, null, undefined, a],
      [[1, 'x'], [], 4],
      [Array.from({ length: 3000 }, (_, i) => i)],
      // A few items (written by +=), as many as that way takes, one more, and with holes.
      Array.from({ length: 8 }, (_, i) => `s${i}`),
      Array.from({ length: 9 }, (_, i) => `s${i}`),
      // eslint-disable-next-line no-sparse-arrays
      [1, , 3],
      // eslint-disable-next-line no-sparse-arrays
      [[1, , 3], 'x'],
      // Many pieces, through a list inside and after it.
      [Array.from({ length: 20_000 }, (_, i) => `item ${i}`), 'after'],
      summed([a, 2])._args!,
      [() => 1, { k: 1 }, new Date(0)],
    ]
    // Inside an object, a list is written by the general writer, never the flat one.
    for (const list of lists) expect(tokenize({ v: list })).toBe(`{s1:v=${tokenize(list)},}`)
    // A list met again is referred to by its visit (the outer list is the first).
    const shared = [1, 2]
    expect(tokenize([shared, shared])).toBe('[[n1;,n2;,],^1;,]')
    const cyclic: unknown[] = [1]
    cyclic.push(cyclic)
    expect(tokenize(cyclic)).toBe('[n1;,^0;,]')
  })

  // Written index by index, a billion holes would be a token that no string can hold.
  test('tokenizes an array mostly of holes by its length and elements', () => {
    const sparse = (at: number, value: unknown, length = 1e9): unknown[] => {
      const array: unknown[] = []
      array[at] = value
      array.length = length
      return array
    }
    const token = tokenize(sparse(1e9 - 1, 'x'))
    expect(token).toBe(tokenize(sparse(1e9 - 1, 'x')))
    for (const other of [sparse(1e9 - 2, 'x'), sparse(1e9 - 1, 'y'), sparse(5, 'x', 1e9 + 1)]) {
      expect(tokenize(other)).not.toBe(token)
    }
    expect(stableToken(sparse(3, { a: 1 }), { keyOf: () => 'k' })).toBe(
      stableToken(sparse(3, { a: 1 }), { keyOf: () => 'k' }),
    )
  })

  test('ignores the order of plain object keys', () => {
    expect(tokenize({ a: 1, b: 2 })).toBe(tokenize({ b: 2, a: 1 }))
  })

  test('tells apart what a task could tell apart: holes, null prototypes, subclasses', () => {
    // eslint-disable-next-line no-sparse-arrays
    expect(tokenize([, 1])).not.toBe(tokenize([undefined, 1]))
    // eslint-disable-next-line no-sparse-arrays
    expect(tokenize({ v: [, 1] })).not.toBe(tokenize({ v: [undefined, 1] }))
    // eslint-disable-next-line no-sparse-arrays
    expect(tokenize([[, 1]])).not.toBe(tokenize([[undefined, 1]]))
    expect(tokenize(Object.assign(Object.create(null) as object, { a: 1 }))).not.toBe(
      tokenize({ a: 1 }),
    )
    class Named extends Map<string, number> {}
    class Bytes extends Uint8Array {}
    class List extends Array<number> {}
    for (const [sub, base] of [
      [new Named(), new Map()],
      [new Bytes(2), new Uint8Array(2)],
      [List.from([1]), [1]],
    ] as const) {
      expect(tokenize(sub)).not.toBe(tokenize(base))
      expect(tokenize(sub)).toBe(tokenize(sub))
    }
  })

  // A frozen object is passed to its task as it is, its twin copied: a cached result of
  // one was handed to a call with the other.
  test('tells apart a frozen, sealed or closed object or array from its twin', () => {
    const variants = (make: () => object): object[] => [
      make(),
      Object.freeze(make()),
      Object.seal(make()),
      Object.preventExtensions(make()),
    ]
    // Empty, the three are one: nothing tells a sealed or closed one from a frozen one.
    for (const [make, kinds] of [
      [() => ({ a: 1 }), 4],
      [() => [1, 2], 4],
      [() => ({}), 2],
      [() => [], 2],
    ] as const) {
      const tokens = variants(make).map((value) => tokenize({ v: value }))
      expect(new Set(tokens).size).toBe(kinds)
      expect(variants(make).map((value) => tokenize({ v: value }))).toEqual(tokens)
      // As an argument list's item, as a list, and in a cache's key.
      expect(new Set(variants(make).map((value) => tokenize([value]))).size).toBe(kinds)
      expect(new Set(variants(make).map((value) => tokenize(value))).size).toBe(kinds)
      const stable = variants(make).map((value) => stableToken([value], { keyOf: () => 'k' }))
      expect(new Set(stable).size).toBe(kinds)
    }
  })

  test('tells apart values of different types that print alike', () => {
    const values = [
      1,
      '1',
      1n,
      true,
      'true',
      null,
      'null',
      undefined,
      [],
      {},
      [[]],
      [{}],
      0,
      -0,
      new Uint8Array([1]),
      new Int8Array([1]),
      new Map(),
      new Set(),
    ]
    const tokens = values.map((value) => tokenize(value))
    expect(new Set(tokens).size).toBe(values.length)
  })

  test('tells large binary data apart by every byte, in a token of a few dozen characters', () => {
    const bytes = new Uint8Array(1 << 20).map((_, i) => i * 7)
    const token = tokenize(bytes)
    expect(token.length).toBeLessThan(200)
    expect(tokenize(bytes.slice())).toBe(token)
    const changed = bytes.slice()
    changed[changed.length - 1]! ^= 1
    expect(tokenize(changed)).not.toBe(token)
    // A view is its own bytes, where in a buffer they lie; the same bytes as another type
    // are another value.
    expect(tokenize(bytes.subarray(16, 16 + 8192))).toBe(tokenize(bytes.slice(16, 16 + 8192)))
    expect(tokenize(new Float64Array(bytes.buffer))).not.toBe(token)
    expect(tokenize(bytes.buffer)).not.toBe(token)
    // At the length where digests begin, and one byte short of it.
    for (const length of [4095, 4096]) {
      const small = new Uint8Array(length)
      const other = small.slice()
      other[0] = 1
      expect(tokenize(small)).not.toBe(tokenize(other))
      expect(tokenize(small)).toBe(tokenize(small.slice()))
    }
  })

  test('keeps string boundaries', () => {
    expect(tokenize(['ab', 'c'])).not.toBe(tokenize(['a', 'bc']))
    expect(tokenize({ ab: 'c' })).not.toBe(tokenize({ a: 'bc' }))
  })

  test('tells apart the order of array items and of map entries', () => {
    expect(tokenize([1, 2])).not.toBe(tokenize([2, 1]))
    expect(tokenize(new Map([[1, 2]]))).not.toBe(tokenize(new Map([[2, 1]])))
  })

  test('stands for a Delayed by its key', () => {
    const fn = delayed((x: number) => x)
    const a = fn.with({ key: 'same' })(1)
    const b = fn.with({ key: 'same' })(2)
    const c = fn.with({ key: 'other' })(1)
    expect(tokenize([a])).toBe(tokenize([b]))
    expect(tokenize([a])).not.toBe(tokenize([c]))
  })

  test('identifies functions and class instances by reference', () => {
    const f = (x: number) => x
    const g = (x: number) => x
    expect(tokenize(f)).toBe(tokenize(f))
    expect(tokenize(f)).not.toBe(tokenize(g))
    class Point {
      constructor(readonly x: number) {}
    }
    const p = new Point(1)
    expect(tokenize(p)).toBe(tokenize(p))
    expect(tokenize(p)).not.toBe(tokenize(new Point(1)))
  })

  test('identifies symbols by reference', () => {
    const s = Symbol('s')
    expect(tokenize(s)).toBe(tokenize(s))
    expect(tokenize(s)).not.toBe(tokenize(Symbol('s')))
  })

  test('finishes on shared data and tells sharing apart from equal copies', () => {
    // 40 levels of { left: x, right: x }: 2^40 paths through 41 containers.
    const build = (leaf: unknown) => {
      let shared: unknown = { leaf }
      for (let i = 0; i < 40; i++) shared = { left: shared, right: shared }
      return shared
    }
    expect(tokenize(build(1))).toBe(tokenize(build(1)))
    expect(tokenize(build(1))).not.toBe(tokenize(build(2)))
    const part = { x: 1 }
    expect(tokenize({ a: part, b: part })).not.toBe(tokenize({ a: { x: 1 }, b: { x: 1 } }))
  })

  test('finishes on cyclic data and tells cycles apart by content', () => {
    // Each node of a doubly linked list is reachable along exponentially many paths
    // unless cycles are cut where they close.
    const [first] = linkedList(40)
    const [same] = linkedList(40)
    const [other] = linkedList(40, 'm')
    expect(tokenize(first)).toBe(tokenize(same))
    expect(tokenize(first)).not.toBe(tokenize(other))
    const selfish: Record<string, unknown> = { a: 1 }
    selfish.left = selfish
    selfish.right = [selfish, selfish]
    expect(tokenize(selfish)).toBe(tokenize(selfish))
  })
})

describe('stableToken', () => {
  const inc = delayed((x: number) => x + 1, { name: 'inc', pure: true })

  test('is the token of content, with each Delayed standing for what keyOf gives it', () => {
    const a = inc(1)
    const value = { rows: [1, 'two', 3n, new Date(0)], input: a, bytes: new Uint8Array([1]) }
    const token = stableToken(value, { keyOf: (d) => (d === a ? 'cache-key-of-a' : 'other') })!
    expect(token).toContain('cache-key-of-a')
    expect(token).not.toContain(a.key)
    // Equal content, equal token, whatever the objects.
    const again = { rows: [1, 'two', 3n, new Date(0)], input: a, bytes: new Uint8Array([1]) }
    expect(stableToken(again, { keyOf: () => 'cache-key-of-a' })).toBe(token)
    expect(
      stableToken({ ...again, rows: [1, 'two', 4n, new Date(0)] }, { keyOf: () => 'x' }),
    ).not.toBe(token)
  })

  test.for([
    ['a function', [() => 1]],
    ['a symbol', { s: Symbol('s') }],
    ['a class instance', [new (class Point {})()]],
    ['data nested deeper than 64', JSON.parse('['.repeat(80) + ']'.repeat(80)) as unknown],
    ['an object with a symbol key', { a: 1, [Symbol.for('tag')]: true }],
    ['an object with a property that is not enumerable', Object.defineProperty({}, 'h', {})],
    ['an instance of a subclass of Map', [new (class Named extends Map {})()]],
    ['an instance of a subclass of Date', { when: new (class Day extends Date {})(0) }],
    ['an instance of a subclass of Array', [new (class List extends Array {})()]],
    ['an instance of a subclass of a typed array', [new (class Bytes extends Uint8Array {})(1)]],
  ] as const)(
    'is undefined for a value holding %s, which only this process can tell apart',
    ([, value]) => {
      expect(stableToken(value, { keyOf: () => 'k' })).toBeUndefined()
      // While tokenize still gives it a token (by identity).
      expect(typeof tokenize(value)).toBe('string')
    },
  )

  // What a value holds besides its content: elements, bytes or entries alone would key a
  // changed `a.scale` as the same value. Long arrays and views are looked at otherwise
  // than short ones (see hasExtras), so both lengths.
  const numbers = (length: number) => Array.from({ length }, (_, i) => i)
  /** `array` with a hole at index 1. */
  const holey = <T>(array: T[]) => {
    // eslint-disable-next-line @typescript-eslint/no-array-delete
    delete array[1]
    return array
  }
  const withExtra = <T extends object>(value: T, key: string | symbol, hidden = false) =>
    Object.defineProperty(value, key, { value: 10, enumerable: !hidden })
  test.for([
    ['a short array with a property of its own', () => withExtra([1, 2], 'scale')],
    ['a long array with a property of its own', () => withExtra(numbers(1000), 'scale')],
    [
      'a long array with holes and a property',
      () => withExtra(holey([1, 2, 3, ...numbers(99)]), 'x'),
    ],
    ['an array with a symbol key', () => withExtra(numbers(100), Symbol('scale'))],
    ['an array with a hidden property', () => withExtra(numbers(100), 'scale', true)],
    ['a short array with a hidden property', () => withExtra([1], 'scale', true)],
    ['the match of a regular expression', () => /b/.exec('abc')!],
    ['a short typed array with a property', () => withExtra(new Float64Array(2), 'scale')],
    ['a long typed array with a property', () => withExtra(new Float64Array(1000), 'scale')],
    ['a long typed array with a hidden one', () => withExtra(new Int8Array(99), 'a', true)],
    ['a Buffer with a property', () => withExtra(Buffer.alloc(1000), 'scale')],
    ['a DataView with a property', () => withExtra(new DataView(new ArrayBuffer(8)), 'x')],
    ['a Map with a property', () => withExtra(new Map([[1, 2]]), 'scale')],
    ['a Set with a property', () => withExtra(new Set([1]), 'scale')],
    ['a Date with a property', () => withExtra(new Date(0), 'zone')],
    ['a regular expression part way through', () => Object.assign(/a/g, { lastIndex: 2 })],
  ] as const)('is undefined for %s, and tokenize tells it from the plain one', ([, make]) => {
    const parts = { keyOf: () => 'k' }
    const value = make()
    expect(stableToken(value, parts)).toBeUndefined()
    expect(stableToken([1, value], parts)).toBeUndefined()
    expect(stableToken([[value]], parts)).toBeUndefined()
    expect(stableTokenChunks([value], parts, true)).toBeUndefined()
    expect(tokenize(value)).not.toBe(tokenize(make()))
    expect(tokenize([value])).not.toBe(tokenize([make()]))
  })

  test('arrays, views and built-in kinds with nothing else of their own keep their tokens', () => {
    const parts = { keyOf: () => 'k' }
    for (const make of [
      () => [1, 2],
      () => holey([1, 2, 3]),
      () => numbers(1000),
      () => holey([...numbers(50), 0, 'x']),
      () => new Float64Array(1000),
      () => Buffer.alloc(1000),
      () => new Float64Array(new ArrayBuffer(800), 8, 10),
      () => new DataView(new ArrayBuffer(8)),
      () => new Map([[1, 2]]),
      () => /a/g,
      () => new ArrayBuffer(4),
    ]) {
      expect(stableToken(make(), parts)).toBe(stableToken(make(), parts))
      expect(stableToken([make()], parts)).toBe(stableToken([make()], parts))
      expect(typeof stableToken(make(), parts)).toBe('string')
      expect(tokenize(make())).toBe(tokenize(make()))
    }
  })

  test("counts the order of an object's keys, which iterating it tells apart", () => {
    const parts = { keyOf: () => 'k' }
    expect(stableToken({ a: 1, b: 2 }, parts)).not.toBe(stableToken({ b: 2, a: 1 }, parts))
    expect(stableToken([{ a: 1, b: 2 }], parts)).toBe(stableToken([{ a: 1, b: 2 }], parts))
    expect(stableToken(Buffer.from('ab'), parts)).not.toBe(
      stableToken(new Uint8Array([97, 98]), parts),
    )
  })

  test('a flat list of arguments is tokenized as the same list nested in another is', () => {
    const a = inc(1)
    const parts = { keyOf: () => 'key-of-a' }
    const flat = ['two', 1, -0, NaN, 3n, true, false, null, undefined, a]
    // A list holding the flat one is written whole by the general writer.
    expect(stableToken([flat], parts)).toBe(`[${stableToken(flat, parts)},]`)
    expect(stableToken([flat, [{ x: 1 }]], parts)).toContain(stableToken(flat, parts))
    expect(stableToken(['1'], parts)).not.toBe(stableToken([1], parts))
  })

  test('lists of arguments holding lists are tokenized as the general writer does, sharing included', () => {
    const parts = { keyOf: () => 'k' }
    // Without a Delayed inside, a stable token is the plain one, which the writer makes.
    const inner = [1, 'two', 3n]
    for (const value of [[inner, [4]], [[], 5, [null, undefined]], [inner, inner], [[[1]]]]) {
      expect(stableToken(value, parts)).toBe(tokenize(value))
    }
    // A list met twice is written once, then referred to.
    expect(stableToken([inner, inner], parts)).not.toBe(stableToken([inner, [...inner]], parts))
    // A recorded list of results (as a sum of many tasks takes) is tokenized as its content.
    const a = inc(1)
    const summed = delayed((xs: number[]) => xs.length, { name: 'count', pure: true })
    const recorded = summed([a, 2])._args!
    expect(stableToken(recorded, parts)).toBe('[[d1:k,n2;,],]')
  })

  test('a long list comes in pieces of a few KiB that make the token the writer writes', () => {
    const parts = { keyOf: () => 'k' }
    const long = [Array.from({ length: 5000 }, (_, i) => `item ${i}`), 7]
    const pieces = stableTokenChunks(long, parts)!
    expect(pieces.length).toBeGreaterThan(5)
    for (const piece of pieces) expect(piece.length).toBeLessThan(9000)
    expect(pieces.join('')).toBe(tokenize(long))
    expect(stableToken(long, parts)).toBe(tokenize(long))
    expect(stableTokenChunks([1, 2], parts)).toEqual(['[n1;,n2;,]'])
  })

  test('names a function by what functionToken gives it, and is undefined where it gives nothing', () => {
    const named = (x: number) => x
    const parts = {
      keyOf: () => 'k',
      functionToken: (fn: unknown) => (fn === named ? 'named@v1' : undefined),
    }
    expect(stableToken([named, 1], parts)).toContain('named@v1')
    expect(stableToken([named, 1], parts)).toBe(stableToken([named, 1], parts))
    expect(stableToken([() => 2], parts)).toBeUndefined()
  })
})
