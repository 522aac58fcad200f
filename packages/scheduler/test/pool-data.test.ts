import { gather } from '@taskgraph/core'
import {
  AggregateTaskError,
  SerializationError,
  compute,
  type TaskInfo,
  type TaskOutcome,
} from '@taskgraph/scheduler'
import { afterAll, describe, expect, test } from 'vitest'
import {
  Counter,
  arrayWithFunction,
  bufferOf,
  detachedBuffer,
  fillShared,
  inc,
  lastArrayAgain,
  lastArrayBytes,
  keepsOnMain,
  keptOnMain,
  makeArray,
  sumAfter,
  makesCounter,
  makesFunction,
  same,
  total,
  typeTag,
} from './fixtures/pool-tasks.mjs'
import { rejection } from './helpers.js'
import { makePool, POOLS } from './pools.js'

describe.each(POOLS)('data on the %s executor', (name) => {
  const pool = makePool(name)
  afterAll(() => pool.close())
  const options = { executor: pool }

  // A copy writes an array's named properties beside its elements; the error named the
  // whole result ("a value that cannot be copied"), not where the function was.
  test('a function in a named property of an array is named by its path', async () => {
    for (const [nested, path] of [
      [false, 'the result.total'],
      [true, 'the result.lists[0].total'],
    ] as const) {
      const task = arrayWithFunction(nested)
      expect(await rejection(compute(task, options))).toMatchObject({
        code: 'ERR_NOT_SERIALIZABLE',
        key: task.key,
        direction: 'result',
        path,
        valueType: 'a function (anonymous)',
      })
    }
    const list: unknown[] = [1, 2]
    Object.assign(list, { 'per item': Symbol('each') })
    const task = same({ list })
    expect(await rejection(compute(task, options))).toMatchObject({
      code: 'ERR_NOT_SERIALIZABLE',
      key: task.key,
      direction: 'argument',
      path: 'args[0].list["per item"]',
      valueType: 'a symbol (Symbol(each))',
    })
  })

  // A child process's serializer wrote it as an empty buffer, said nothing; threads refused it.
  test('a detached ArrayBuffer, or a view of one, is refused alike as argument and result', async () => {
    const buffer = new ArrayBuffer(8)
    const view = new Uint8Array(buffer)
    structuredClone(buffer, { transfer: [buffer] })
    for (const value of [buffer, view]) {
      const task = same(value)
      expect(await rejection(compute(task, options))).toMatchObject({
        code: 'ERR_NOT_SERIALIZABLE',
        key: task.key,
        direction: 'argument',
        path: 'args[0]',
        valueType: 'a detached ArrayBuffer (or a view of one)',
      })
    }
    for (const [view, path] of [
      [false, 'the result.buffer'],
      [true, 'the result'],
    ] as const) {
      const task = detachedBuffer(view)
      expect(await rejection(compute(task, options))).toMatchObject({
        code: 'ERR_NOT_SERIALIZABLE',
        key: task.key,
        direction: 'result',
        path,
        valueType: 'a detached ArrayBuffer (or a view of one)',
      })
    }
  })

  test('BigInt, Map, Set, Date, typed arrays and nesting survive the round trip', async () => {
    const value = {
      big: 2n ** 70n,
      map: new Map<unknown, unknown>([
        ['a', 1],
        [2, { deep: [1n] }],
      ]),
      set: new Set(['x', 'y']),
      when: new Date('2024-05-06T07:08:09Z'),
      bytes: new Uint8Array([1, 2, 3]),
      nested: [{ floats: new Float64Array([0.5, -0]) }],
    }
    const [back] = await compute(same(value), options)
    expect(back).toEqual(value)
    expect(await compute(typeTag(value.when), options)).toEqual(['[object Date]'])
  })

  // A built-in typed array from Node 24 on, which the wire names after the others.
  const { Float16Array } = globalThis as { Float16Array?: Float32ArrayConstructor }
  test.runIf(Float16Array !== undefined)(
    'a Float16Array survives the round trip, beside a Buffer and the other typed arrays',
    async () => {
      const value = {
        halves: new Float16Array!([0.5, -2, 65504]),
        text: Buffer.from('hello'),
        floats: new Float64Array([0.25]),
        view: new DataView(new ArrayBuffer(4)),
      }
      const [back] = (await compute(same(value), options)) as unknown as [typeof value]
      expect(back).toEqual(
        name === 'processes' ? value : { ...value, text: new Uint8Array(value.text) },
      )
      expect(Object.prototype.toString.call(back.halves)).toBe('[object Float16Array]')
    },
  )

  test('a Buffer stays a Buffer to and from a child process; a thread gets its bytes as a Uint8Array', async () => {
    const value = { text: Buffer.from('hello'), view: new DataView(new ArrayBuffer(8), 2, 4) }
    const [back] = (await compute(same(value), options)) as unknown as [typeof value]
    expect(Buffer.isBuffer(back.text)).toBe(name === 'processes')
    expect(
      Buffer.from(back.text.buffer, back.text.byteOffset, back.text.byteLength).toString(),
    ).toBe('hello')
    expect([back.view.byteOffset, back.view.byteLength, back.view.buffer.byteLength]).toEqual([
      2, 4, 8,
    ])
  })

  test('a small Buffer goes to a child process without the slab of other bytes it sits in', async () => {
    // Buffer.from of a short string takes 5 bytes of an 8 KB slab that Node shares among
    // small Buffers: the other bytes are other values'. Threads get what a structured
    // clone gives, the whole slab.
    const text = Buffer.from('hello')
    expect(text.buffer.byteLength).toBeGreaterThan(5)
    const [[offset, size]] = await compute(bufferOf(text), options)
    if (name === 'processes') expect([offset, size]).toEqual([0, 5])
    else expect([offset, size]).toEqual([text.byteOffset, text.buffer.byteLength])
    const [back] = (await compute(same(text), options)) as unknown as [Buffer]
    if (name === 'processes') expect(back.buffer.byteLength).toBe(5)
    expect(Buffer.from(back.buffer, back.byteOffset, back.byteLength).toString()).toBe('hello')
  })

  test('a typed array used by two tasks reaches both whole', async () => {
    const array = makeArray(1000)
    expect(await compute(total(array), total(array), options)).toEqual([1000, 1000])
  })

  test('typed arrays arrive with buffers of their own, in the worker and back', async () => {
    const [[offset, size]] = await compute(bufferOf(new Float64Array([1, 2, 3])), options)
    expect([offset, size]).toEqual([0, 24])
    const [array] = await compute(makeArray(2), options)
    expect([array.byteOffset, array.buffer.byteLength]).toEqual([0, 16])
  })

  test('a function as a result is a SerializationError naming the task', async () => {
    const task = makesFunction()
    const error = await rejection(compute(task, options))
    expect(error).toBeInstanceOf(SerializationError)
    expect(error).toMatchObject({
      code: 'ERR_NOT_SERIALIZABLE',
      key: task.key,
      direction: 'result',
      path: 'the result',
    })
  })

  test('lists of primitives cross as they are, a symbol among them is a SerializationError', async () => {
    const list = [1, 'a', null, undefined, 2n, -0, Number.NaN, true]
    expect(await compute(same(list), same([list, 'b']), options)).toEqual([list, [list, 'b']])
    const given = same([1, Symbol('s')])
    expect(await rejection(compute(given, options))).toMatchObject({
      code: 'ERR_NOT_SERIALIZABLE',
      key: given.key,
      direction: 'argument',
      path: 'args[0][1]',
    })
  })

  test("data shaped like the pool's own marks for functions and graphs stays data", async () => {
    const ref = { kind: 'export', url: 'node:os', name: 'hostname' }
    const values = [
      { __taskgraph_function__: ref },
      { __taskgraph_graph__: { nodes: [{ spec: { name: 'h' }, fn: ref, args: [] }], value: 1 } },
      { __taskgraph_node__: 0 },
    ]
    expect(await compute(...values.map((value) => same(value)), options)).toEqual(values)
  })

  test('a Proxy argument, revoked or refusing unknown keys, is a SerializationError', async () => {
    const fields: Record<string | symbol, unknown> = { x: 1 }
    const strict = new Proxy(fields, {
      get: (target, key) => {
        if (!(key in target)) throw new Error(`unknown key ${String(key)}`)
        return target[key]
      },
    })
    const { proxy: revoked, revoke } = Proxy.revocable({}, {})
    revoke()
    for (const value of [strict, revoked]) {
      const given = same([value])
      expect(await rejection(compute(given, options))).toMatchObject({
        code: 'ERR_NOT_SERIALIZABLE',
        key: given.key,
        direction: 'argument',
        path: 'args[0][0]',
      })
    }
  })

  // Structured clone reads getters; so does the pool, preparing the call, where an error
  // escaped to the event loop and ended the program. (A plain object's getter is read
  // once, when the call copies it: an array with a property of its own is not copied.)
  test('an argument whose getter throws when the pool reads it is a SerializationError', async () => {
    const given = same(unreadable())
    expect(await rejection(compute(given, options))).toMatchObject({
      code: 'ERR_NOT_SERIALIZABLE',
      key: given.key,
      direction: 'argument',
    })
  })

  test('a class instance, as a result or an argument, is a SerializationError', async () => {
    const made = makesCounter()
    expect(await rejection(compute(made, options))).toMatchObject({
      code: 'ERR_NOT_SERIALIZABLE',
      key: made.key,
      direction: 'result',
      valueType: 'an instance of Counter',
    })
    const given = same({ counter: new Counter() })
    expect(await rejection(compute(given, options))).toMatchObject({
      code: 'ERR_NOT_SERIALIZABLE',
      key: given.key,
      direction: 'argument',
      path: 'args[0].counter',
    })
  })

  // A chain of tasks runs fused, as one call: a later step whose own argument cannot be
  // sent was reported as the chain's first task, at a path of the fused call's.
  test('a fused step with an argument that cannot be sent is the SerializationError of its own task', async () => {
    const made = makeArray(3)
    const given = sumAfter(made, { counter: new Counter() } as never)
    const after = inc(given)
    const unsendable = {
      code: 'ERR_NOT_SERIALIZABLE',
      key: given.key,
      functionName: 'sumAfter',
      direction: 'argument',
      path: 'args[1].counter',
      valueType: 'an instance of Counter',
    }
    const error = await rejection(compute(after, options))
    expect(error).toBeInstanceOf(SerializationError)
    expect(error).toMatchObject(unsendable)
    // The steps before it run, as they would unfused, and their results count.
    const ended: [string, unknown][] = []
    const hooks = {
      onTaskEnd: (task: TaskInfo, outcome: TaskOutcome) =>
        ended.push([task.key, (outcome.error as SerializationError | undefined)?.code]),
    }
    const all = await rejection(compute(after, { ...options, failFast: false, hooks }))
    expect(all).toBeInstanceOf(AggregateTaskError)
    expect((all as AggregateTaskError).errors).toMatchObject([unsendable])
    expect(ended).toEqual([
      [made.key, undefined],
      [given.key, 'ERR_NOT_SERIALIZABLE'],
    ])
    // One whose getter throws as the pool reads it: the same.
    const read = sumAfter(makeArray(3), unreadable() as never)
    expect(await rejection(compute(inc(read), options))).toMatchObject({
      code: 'ERR_NOT_SERIALIZABLE',
      key: read.key,
      direction: 'argument',
      path: 'args[1].late',
    })
  })
})

describe('typed arrays and shared memory', () => {
  test('a typed-array result moves from a worker thread without a copy', async () => {
    const pool = makePool('threads', { workers: 1 })
    try {
      const [array] = await compute(makeArray(1000), { executor: pool })
      expect(array.length).toBe(1000)
      // The worker's own reference to the array it returned is detached: it moved.
      expect(await compute(lastArrayBytes(), { executor: pool })).toEqual([0])
    } finally {
      await pool.close()
    }
  })

  // The array moved away with the first result: the second, the same array, is empty
  // where the task kept it, and the error says why and what to return instead.
  test('a task returning again an array it returned before fails saying it moved, and to return a copy', async () => {
    const pool = makePool('threads', { workers: 1 })
    try {
      await compute(makeArray(1000), { executor: pool })
      const error = await rejection(compute(lastArrayAgain(), { executor: pool }))
      expect(error).toBeInstanceOf(SerializationError)
      expect((error as SerializationError).message).toMatch(
        /a detached ArrayBuffer .*a typed array a task returns on threads moves to the main thread.*return a new array or a copy, array\.slice\(\)/,
      )
    } finally {
      await pool.close()
    }
  })

  // A task on the main thread may keep what it is given: a buffer it saw never moves.
  test('a typed array a main-thread task was given stays whole when a worker takes it last', async () => {
    const pool = makePool('threads', { workers: 1 })
    try {
      const array = makeArray(1_000_000)
      const kept = keepsOnMain(array)
      expect(await compute(sumAfter(array, kept), { executor: pool })).toEqual([1_000_000 * 1])
      expect(keptOnMain.at(-1)?.byteLength).toBe(8_000_000)
    } finally {
      await pool.close()
    }
  })

  test('a child process keeps its own copy of a typed array it returned', async () => {
    const pool = makePool('processes', { workers: 1 })
    try {
      await compute(makeArray(1000), { executor: pool })
      expect(await compute(lastArrayBytes(), { executor: pool })).toEqual([8000])
    } finally {
      await pool.close()
    }
  })

  test('a SharedArrayBuffer is shared with worker threads', async () => {
    const pool = makePool('threads')
    try {
      const memory = new SharedArrayBuffer(16)
      await compute(fillShared(memory, 7), { executor: pool })
      expect([...new Int32Array(memory)]).toEqual([7, 7, 7, 7])
    } finally {
      await pool.close()
    }
  })

  test('a Blob reaches worker threads, and cannot go to a child process', async () => {
    const threads = makePool('threads')
    const processes = makePool('processes')
    try {
      const [text] = await compute(same(new Blob(['hi'])), { executor: threads })
      expect(await (text as Blob).text()).toBe('hi')
      const task = same(new Blob(['hi']))
      expect(await rejection(compute(task, { executor: processes }))).toMatchObject({
        code: 'ERR_NOT_SERIALIZABLE',
        key: task.key,
        valueType: 'a Blob',
      })
    } finally {
      await threads.close()
      await processes.close()
    }
  })

  // A child process got a buffer of fixed size in its place, said nothing of it.
  test('a resizable ArrayBuffer reaches worker threads as it is, and cannot go to a child process', async () => {
    // ES2024's resizable buffers are in Node 20 but not in the ES2023 lib the types follow.
    const Resizable = ArrayBuffer as unknown as new (
      bytes: number,
      options: { maxByteLength: number },
    ) => ArrayBuffer & { readonly resizable: boolean }
    const threads = makePool('threads')
    const processes = makePool('processes')
    try {
      const [copy] = await compute(same(new Resizable(4, { maxByteLength: 8 })), {
        executor: threads,
      })
      expect(copy).toMatchObject({ resizable: true, maxByteLength: 8 })
      for (const value of [
        new Resizable(4, { maxByteLength: 8 }),
        new Uint8Array(new Resizable(4, { maxByteLength: 8 })),
      ]) {
        const task = same(value)
        expect(await rejection(compute(task, { executor: processes }))).toMatchObject({
          code: 'ERR_NOT_SERIALIZABLE',
          key: task.key,
          valueType: 'a resizable ArrayBuffer',
        })
      }
    } finally {
      await threads.close()
      await processes.close()
    }
  })

  test('a SharedArrayBuffer cannot go to a child process: SerializationError', async () => {
    const pool = makePool('processes')
    try {
      const task = fillShared(new SharedArrayBuffer(16), 7)
      expect(await rejection(compute(gather([task]), { executor: pool }))).toMatchObject({
        code: 'ERR_NOT_SERIALIZABLE',
        key: task.key,
        direction: 'argument',
        path: 'args[0]',
      })
    } finally {
      await pool.close()
    }
  })
})

/** An array whose own property `late` throws when read: calls pass it as it is, uncopied. */
function unreadable(): number[] {
  return Object.defineProperty([1], 'late', {
    enumerable: true,
    get(): never {
      throw new Error('unreadable')
    },
  })
}
