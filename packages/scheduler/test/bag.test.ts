import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { threadId } from 'node:worker_threads'
import { bag, toGraph, type Bag } from '@taskgraph/core'
import { SerializationError, TaskError, compute } from '@taskgraph/scheduler'
import { describe, expect, test } from 'vitest'
import * as reference from './bag-reference.js'
import { EXECUTORS, shared } from './executors.js'
import {
  LINES,
  add,
  callWith10,
  cannotCombine,
  countUp,
  double,
  doubleLater,
  failsOn3,
  functionItems,
  inc,
  isEven,
  lengthOf,
  mod3,
  negate,
  paritySymbol,
  placeOf,
  range,
  repeats,
  sumOf,
  symbolTagged,
  takeFirst,
  tagged,
  topWords,
  total,
  wordLength,
  wordPlaces,
  words,
} from './fixtures/bag-tasks.mjs'
import { nextTurn, rejection } from './helpers.js'

/** Forty numbers from -11 to 11 with repeats, in no particular order. */
const NUMBERS = Array.from({ length: 40 }, (_, i) => ((i * 7) % 23) - 11)
const here = `${process.pid}:${threadId}`

/** The TASKGRAPH_MAIN_THREAD warnings emitted while `run` ran: none when workers found every function. */
async function mainThreadWarnings(run: () => Promise<unknown>): Promise<string[]> {
  const warnings: string[] = []
  const listen = (warning: Error & { code?: string }): void => {
    if (warning.code === 'TASKGRAPH_MAIN_THREAD') warnings.push(warning.message)
  }
  process.on('warning', listen)
  try {
    await run()
    await nextTurn()
  } finally {
    process.off('warning', listen)
  }
  return warnings
}

describe.each(EXECUTORS)('bags on the %s executor', (name) => {
  const options = { executor: shared(name) }
  const numbers = bag.from(NUMBERS, { partitions: 4 })

  test('element-wise operations give what the same array methods give', async () => {
    const pairs = bag.from(
      NUMBERS.map((n) => [n, negate(n)] as [number, number]),
      { partitions: 3 },
    )
    expect(
      await compute(
        numbers.map(double),
        numbers.filter(isEven),
        numbers.flatMap(repeats),
        numbers.map(repeats).flatten(),
        pairs.pluck(1),
        numbers.map(inc).filter(isEven).map(double),
        options,
      ),
    ).toEqual([
      NUMBERS.map(double),
      NUMBERS.filter(isEven),
      NUMBERS.flatMap(repeats),
      NUMBERS.flatMap(repeats),
      NUMBERS.map(negate),
      NUMBERS.map(inc).filter(isEven).map(double),
    ])
  })

  test('reductions give what reducing the array gives', async () => {
    expect(
      await compute(
        {
          count: numbers.count(),
          sum: numbers.sum(),
          mean: numbers.mean(),
          min: numbers.min(),
          max: numbers.max(),
          fold: numbers.fold(add),
          foldFrom: numbers.fold(countUp, add, 0),
          reduction: numbers.reduction(lengthOf, total),
        },
        options,
      ),
    ).toEqual([
      {
        count: NUMBERS.length,
        sum: reference.sum(NUMBERS),
        mean: reference.sum(NUMBERS) / NUMBERS.length,
        min: Math.min(...NUMBERS),
        max: Math.max(...NUMBERS),
        fold: reference.sum(NUMBERS),
        foldFrom: NUMBERS.length,
        reduction: NUMBERS.length,
      },
    ])
  })

  // On the calling thread perPartition was handed the bag's own array: shifting it
  // emptied the bag one item per run, on inline and async only.
  test('a reduction changing the items it is given leaves the bag as it was', async () => {
    const small = bag.from([3, 1, 2, 5, 4], { partitions: 1 })
    const first = small.reduction(takeFirst, (firsts) => firsts[0])
    expect(await compute(first, first, options)).toEqual([3, 3])
    expect(await compute(first, options)).toEqual([3])
    expect(await small.compute(options)).toEqual([3, 1, 2, 5, 4])
  })

  // The caller's array was the bag's data: a later push showed up in the bag.
  test('bag.fromPartitions keeps the items the arrays held when it was called', async () => {
    const items = [1, 2, 3]
    const made = bag.fromPartitions([items, [4]])
    items.push(99)
    expect(await made.compute(options)).toEqual([1, 2, 3, 4])
  })

  test('groupBy, foldBy, frequencies, distinct and topk combine the partitions', async () => {
    const results = await compute(
      {
        groupBy: numbers.groupBy(mod3),
        foldBy: numbers.foldBy(mod3, add, 0, add),
        foldByFirst: numbers.foldBy(mod3, add),
        frequencies: numbers.frequencies(),
        distinct: numbers.distinct(),
        distinctBy: numbers.distinct(mod3),
        topk: numbers.topk(5),
        topkBy: numbers.topk(5, negate),
      },
      options,
    )
    expect(results).toEqual([
      {
        groupBy: reference.groupBy(NUMBERS, mod3),
        foldBy: reference.foldBy(NUMBERS, mod3, add, 0),
        foldByFirst: reference.foldBy(NUMBERS, mod3, add, 0),
        frequencies: reference.frequencies(NUMBERS),
        distinct: reference.distinct(NUMBERS),
        distinctBy: reference.distinct(NUMBERS, mod3),
        topk: reference.topk(NUMBERS, 5),
        topkBy: reference.topk(NUMBERS, 5, negate),
      },
    ])
  })

  test('distinct keeps the first of equal items as it is, -0 included', async () => {
    const [first] = await compute(bag.from([-0, 0, 1, 0], { partitions: 2 }).distinct(), options)
    expect(first).toEqual([-0, 1])
    expect(Object.is(first[0], -0)).toBe(true)
  })

  test('a negative index counts from the end of an array or string, as at(); of an object it is a name', async () => {
    const rows = bag.from(
      [
        ['a', 2],
        ['b', 1],
        ['a', 3],
      ],
      { partitions: 2 },
    )
    const named = bag.from<Record<number, string>>([{ [-1]: 'x' }, { [-1]: 'y' }])
    expect(
      await compute(
        rows.pluck(-1),
        rows.pluck(-2).distinct(),
        rows.topk(1, -1),
        rows.groupBy(-2),
        bag.from(['ab', 'cd']).pluck(-1),
        named.pluck(-1),
        options,
      ),
    ).toEqual([
      [2, 1, 3],
      ['a', 'b'],
      [['a', 3]],
      [
        [
          'a',
          [
            ['a', 2],
            ['a', 3],
          ],
        ],
        ['b', [['b', 1]]],
      ],
      ['b', 'd'],
      ['x', 'y'],
    ])
  })

  test('keys may be property names, and the lesson’s word count is right', async () => {
    const lines = bag.from(LINES, { partitions: 2 })
    const counts = lines.flatMap(words).frequencies()
    const allWords = LINES.flatMap(words)
    expect(
      await compute(
        counts.topk(3, 1),
        counts.pluck(0).distinct(),
        lines.flatMap(words).groupBy('length'),
        options,
      ),
    ).toEqual([
      reference.topk(reference.frequencies(allWords), 3, ([, n]) => n),
      reference.distinct(allWords),
      reference.groupBy(allWords, wordLength),
    ])
  })

  test('empty bags and empty partitions give empty results, or fail where there is no value', async () => {
    for (const empty of [bag.from<number>([], { partitions: 3 }), bag.fromPartitions<number>([])]) {
      expect(
        await compute(
          empty,
          empty.map(double).filter(isEven).flatMap(repeats),
          empty.count(),
          empty.sum(),
          empty.fold(add, add, 0),
          empty.groupBy(mod3),
          empty.frequencies(),
          empty.distinct(),
          empty.topk(3),
          options,
        ),
      ).toEqual([[], [], 0, 0, 0, [], [], [], []])
      for (const [operation, value] of [
        ['mean', empty.mean()],
        ['min', empty.min()],
        ['max', empty.max()],
        ['fold', empty.fold(add)],
      ] as const) {
        const error = await rejection(value.compute(options))
        expect(error).toBeInstanceOf(TaskError)
        expect(error).toMatchObject({ functionName: operation, cause: { name: 'RangeError' } })
      }
    }
    const gappy = bag.fromPartitions([[], [3, 1], [], [2], []])
    expect(
      await compute(gappy, gappy.max(), gappy.mean(), gappy.frequencies().count(), options),
    ).toEqual([[3, 1, 2], 3, 2, 3])
  })

  test('a bag computes to its items, among other values and as a delayed function’s argument', async () => {
    const doubled = numbers.map(double)
    expect(await doubled.compute(options)).toEqual(NUMBERS.map(double))
    expect(
      await compute({ doubled, total: sumOf(doubled), count: doubled.count() }, options),
    ).toEqual([
      {
        doubled: NUMBERS.map(double),
        total: reference.sum(NUMBERS.map(double)),
        count: NUMBERS.length,
      },
    ])
  })

  test('toDelayed gives the partitions: even runs, or runs of partitionSize', async () => {
    const ten = Array.from({ length: 10 }, (_, i) => i + 1)
    expect(
      await compute(
        bag.from(ten, { partitions: 3 }).toDelayed(),
        bag.from(ten, { partitionSize: 4 }).toDelayed(),
        options,
      ),
    ).toEqual([
      [
        [1, 2, 3],
        [4, 5, 6],
        [7, 8, 9, 10],
      ],
      [
        [1, 2, 3, 4],
        [5, 6, 7, 8],
        [9, 10],
      ],
    ])
  })

  // As Array.prototype.reduce, and Dask's initial=None: an initial value of undefined
  // is given, not missing, so every partition and the combination start from it.
  test('fold and foldBy take an initial value of undefined as given', async () => {
    const tally = (acc: number | undefined, x: number): number => (acc ?? 100) + x
    const two = bag.from([1, 2, 3], { partitions: 2 })
    expect(
      await compute(
        two.fold(tally as never, tally as never, undefined),
        bag.from<number>([], { partitions: 2 }).fold(add, add, undefined as never),
        two.foldBy(mod3, tally as never, undefined, tally as never),
        options,
      ),
    ).toEqual([
      // Partitions [1] and [2, 3]: 101 and 105, combined from undefined: 100 + 101 + 105.
      306,
      // Nothing to fold: undefined + undefined + undefined, as plain adds.
      Number.NaN,
      [
        [1, 101],
        [2, 102],
        [0, 103],
      ],
    ])
  })

  // Map keys are compared by SameValueZero: -0 and 0 are one key, which a Map holds as 0,
  // on every executor (a copy to or from a worker keeps -0).
  test('-0 and 0 are one key, or one item, whichever comes first', async () => {
    const zeros = bag.from([-0, 1, 0, -0], { partitions: 2 })
    const [groups, counts, distinct] = await compute(
      zeros.groupBy(negate),
      zeros.frequencies(),
      zeros.distinct(),
      options,
    )
    // The keys of -0, 1, 0, -0: 0, -1, -0, 0.
    expect(groups).toEqual([
      [0, [-0, 0, -0]],
      [-1, [1]],
    ])
    expect(counts).toEqual([
      [0, 3],
      [1, 1],
    ])
    expect(distinct).toEqual([-0, 1])
  })

  test('merged results are split into as many partitions as the bag had', async () => {
    const [parts] = await compute(numbers.frequencies().toDelayed(), options)
    // 23 distinct numbers over 4 partitions, in runs differing by at most one.
    expect(parts.map((part) => part.length)).toEqual([5, 6, 6, 6])
    expect(parts.flat()).toEqual(reference.frequencies(NUMBERS))
  })

  test('fromPartitions takes tasks that load partitions, and lazy items', async () => {
    const loaded = bag.fromPartitions([range(0, 5), [range(5, 7).at(0), 9], range(10, 12)])
    expect(await compute(loaded.map(double), loaded.sum(), options)).toEqual([
      [0, 2, 4, 6, 8, 10, 18, 20, 22],
      0 + 1 + 2 + 3 + 4 + 5 + 9 + 10 + 11,
    ])
  })

  test('async functions given to map are awaited', async () => {
    expect(await numbers.map(doubleLater).compute(options)).toEqual(NUMBERS.map(double))
  })

  test('a delayed function given to map runs as the function it wraps', async () => {
    const rows = bag.from([[1, 2], [3], []], { partitions: 2 })
    expect(await rows.map(sumOf).compute(options)).toEqual([3, 3, 0])
  })

  test('a persisted bag starts from its computed partitions', async () => {
    const persisted = await numbers.map(double).persist(options)
    const graph = toGraph(persisted.toDelayed())
    expect(graph.mapNodes((_key, attributes) => attributes.kind)).toEqual([
      'data',
      'data',
      'data',
      'data',
    ])
    expect(await persisted.sum().compute(options)).toBe(reference.sum(NUMBERS.map(double)))
  })

  // Named the operation's task instead ("function map"), which the user did not write.
  test('a function that throws fails the run with a TaskError naming its task and the function', async () => {
    for (const value of [
      numbers.map(failsOn3),
      numbers.filter(failsOn3),
      numbers.groupBy(failsOn3),
      numbers.distinct(failsOn3),
      numbers.topk(2, failsOn3),
    ]) {
      const error = await rejection(value.compute(options))
      expect(error).toBeInstanceOf(TaskError)
      expect(error).toMatchObject({ functionName: 'failsOn3', cause: { name: 'RangeError' } })
      expect((error as TaskError).key).toMatch(
        /^(map|filter|group-by-part|distinct-part|topk-part)-/,
      )
      expect((error as TaskError).message).toContain('(function failsOn3)')
    }
  })

  // Named the fold's last step ("function fold"), which the user did not write.
  test("fold's combine that throws fails the run with a TaskError naming the combine", async () => {
    for (const value of [numbers.fold(add, cannotCombine), numbers.fold(add, cannotCombine, 0)]) {
      const error = await rejection(value.compute(options))
      expect(error).toBeInstanceOf(TaskError)
      expect(error).toMatchObject({
        functionName: 'cannotCombine',
        cause: { message: 'cannot combine' },
      })
      expect((error as TaskError).key).toMatch(/^fold-/)
    }
  })

  /** Each of `cases` fails its task, named by its operation, with an InvalidArgumentError as cause. */
  async function expectArgumentFailures(
    cases: readonly (readonly [
      operation: string,
      value: { compute(o: typeof options): Promise<unknown> },
    ])[],
  ): Promise<void> {
    for (const [operation, value] of cases) {
      const error = await rejection(value.compute(options))
      expect(error).toBeInstanceOf(TaskError)
      expect(error).toMatchObject({
        functionName: operation,
        cause: { name: 'InvalidArgumentError', code: 'ERR_INVALID_ARGUMENT' },
      })
    }
  }

  // A promise was taken for the value: filter kept every item, each promise was a group
  // of its own, and on a pool the promise failed to cross back as a SerializationError.
  test('a function that returns a promise where it must not fails its task', async () => {
    const later = doubleLater as never
    await expectArgumentFailures([
      ['filter', numbers.filter(doubleLater)],
      ['flat-map', numbers.flatMap(later)],
      ['group-by-part', numbers.groupBy(doubleLater)],
      ['distinct-part', numbers.distinct(doubleLater)],
      ['topk-part', numbers.topk(2, later)],
      ['fold-by-part', numbers.foldBy(mod3, later)],
      ['fold-part', numbers.fold(later)],
    ])
  })

  // Without a combine, binop joins the partitions too: its promise there was blamed on
  // "combine", a function the call never passed.
  test("fold's binop that returns a promise is named so where it joins the partitions", async () => {
    const later = doubleLater as never
    const error = await rejection(
      compute(bag.from([1, 2], { partitions: 2 }).fold(later), { executor: shared(name) }),
    )
    expect(error).toBeInstanceOf(TaskError)
    expect((error as Error).message).toContain('Bag#fold: binop returned a promise')
  })

  // Was a TypeError from inside the task: "fn is not a function or its return value is not iterable".
  test('flatMap of what is not iterable, and flatten of an item that is not, fail their task', async () => {
    await expectArgumentFailures([
      ['flat-map', numbers.flatMap(double as never)],
      ['flatten', (numbers as unknown as Bag<number[]>).flatten()],
    ])
  })

  // Was "Cannot mix BigInt and other types" from inside the task, and "00a0b" for ['a', 'b'].
  test('sum and mean of items that are not numbers fail their task', async () => {
    const bigints = bag.from([1n, 2n, 3n]) as unknown as Bag<number>
    const strings = bag.from(['a', 'b']) as unknown as Bag<number>
    await expectArgumentFailures([
      ['sum-part', bigints.sum()],
      ['mean-part', bigints.mean()],
      ['sum-part', strings.sum()],
      ['mean-part', strings.mean()],
    ])
  })

  // Were wrong answers: topk(4) of [4, NaN, 9, 2, 1, 8, ...] began [4, NaN, 9], min of
  // three partitions missed the smallest item, and a missing key ranked anywhere.
  test('topk, min and max of what < and > cannot rank fail their task', async () => {
    const withNaN = bag.from([4, Number.NaN, 9, 2, 1, 8], { partitions: 3 })
    const records = bag.from([{ score: 3 }, {}, { score: 5 }]) as Bag<{ score: number }>
    const mixed = bag.from([3, 'a'], { partitions: 2 }) as unknown as Bag<number>
    await expectArgumentFailures([
      ['topk-part', withNaN.topk(4)],
      ['min-part', withNaN.min()],
      ['max-part', withNaN.max()],
      ['topk-part', records.topk(2, 'score')],
      ['topk', mixed.topk(1)],
      ['max', mixed.max()],
    ])
    // Dates rank as their times do, though the types of min and max leave them out.
    const dates = bag.from([new Date(5), new Date(9)], { partitions: 2 }) as unknown as Bag<number>
    expect(
      await compute(bag.from([3, 1n, 5], { partitions: 2 }).topk(2), dates.max(), options),
    ).toEqual([[5, 3], new Date(9)])
  })

  // Were bare TypeErrors from inside the task: "Cannot read properties of null (reading 'id')".
  test('a property key of a null or undefined item fails its task', async () => {
    const records = bag.from([{ id: 1 }, null, { id: 2 }, undefined], { partitions: 2 }) as Bag<{
      id: number
    }>
    await expectArgumentFailures([
      ['pluck', records.pluck('id')],
      ['group-by-part', records.groupBy('id')],
      ['fold-by-part', records.foldBy('id', add as never)],
      ['distinct-part', records.distinct('id')],
      ['topk-part', records.topk(1, 'id')],
    ])
    // A missing property is undefined, as in JavaScript (Dask's pluck raises a KeyError).
    expect(
      await bag
        .from([{ id: 1 }, {}] as { id?: number }[])
        .pluck('id')
        .compute(options),
    ).toEqual([1, undefined])
  })

  // Worked on inline and async, and failed on a pool with a SerializationError about
  // "the result.keys()": a partition's groups could not cross back from its worker.
  test('a key that is a symbol fails its task on every executor', async () => {
    await expectArgumentFailures([
      ['group-by-part', numbers.groupBy(paritySymbol)],
      ['fold-by-part', numbers.foldBy(paritySymbol, add)],
      ['distinct-part', numbers.distinct(paritySymbol)],
      ['group-by-part', numbers.map(symbolTagged).groupBy('tag')],
    ])
  })

  // The items frequencies and distinct compare are keys too: symbols among them worked on
  // inline and async, and failed on a pool with a SerializationError about "the result".
  test('items that are symbols, counted or made distinct, fail their task on every executor', async () => {
    const symbols = numbers.map(paritySymbol)
    await expectArgumentFailures([
      ['frequencies-part', symbols.frequencies()],
      ['distinct-part', symbols.distinct()],
    ])
  })

  // Was named by the task's arguments, args[0][1] or the result[0], which say neither
  // the partition nor where in the bag the item is.
  test.runIf(name === 'threads' || name === 'processes')(
    'an item a worker cannot be sent, or a result it cannot send back, is named by partition and item',
    async () => {
      const items: unknown[] = [1, 2, 3, 4, 5, new WeakMap(), 7]
      // Partitions [1, 2], [3, 4] and [5, WeakMap, 7].
      const unsendable = bag.from(items, { partitions: 3 }) as Bag<number>
      const given = bag.fromPartitions([[1], [2, new WeakMap() as unknown as number]])
      for (const [value, partition, index] of [
        [unsendable.map(double), 2, 1],
        [unsendable.count(), 2, 1],
        [unsendable.groupBy(mod3), 2, 1],
        [given.filter(isEven), 1, 1],
      ] as const) {
        const error = await rejection(value.compute(options))
        expect(error).toBeInstanceOf(SerializationError)
        expect(error).toMatchObject({ direction: 'argument', partition, index })
      }
      // One partition with items, so that it is the one that fails.
      const symbols = bag.fromPartitions<number>([[], [4, 5]]).map(paritySymbol)
      const error = await rejection(symbols.compute(options))
      expect(error).toBeInstanceOf(SerializationError)
      expect(error).toMatchObject({ direction: 'result', partition: 1, index: 0 })
    },
  )

  // Was a TypeError, which is no TaskgraphError and has no code.
  test('a Delayed partition that is not an array fails the tasks that read it', async () => {
    const scalar = bag.fromPartitions<number>([range(0, 3).at(0) as never])
    await expectArgumentFailures([
      ['count-part', scalar.count()],
      ['map', scalar.map(double)],
      ['concat', scalar],
    ])
  })

  // Were never recorded: each ran on the main thread, with a warning that it was "made at
  // run time" and "passed as an argument", which said neither which item nor the fix.
  test.runIf(name === 'threads' || name === 'processes')(
    'items that are functions run in workers if made in top-level code, else name their item',
    async () => {
      let results: number[] = []
      expect(
        await mainThreadWarnings(async () => {
          results = await functionItems.map(callWith10).compute(options)
        }),
      ).toEqual([])
      expect(results).toEqual([11, 20, 100])
      const madeNow = bag.from([(x: number) => x + 1, (x: number) => x - 1], { partitions: 2 })
      const warnings = await mainThreadWarnings(async () => {
        expect(await madeNow.map(callWith10).compute(options)).toEqual([11, 9])
      })
      expect(warnings).toHaveLength(2)
      expect(warnings).toEqual(
        expect.arrayContaining([
          expect.stringContaining('item 0 of partition 0'),
          expect.stringContaining('item 0 of partition 1'),
        ]),
      )
    },
  )

  test.runIf(name === 'threads' || name === 'processes')(
    'the work runs in workers, which find the functions without warning',
    async () => {
      let places: string[] = []
      let written: unknown[] = []
      const warnings = await mainThreadWarnings(async () => {
        ;[places, written] = await compute(
          numbers.map(placeOf).distinct(),
          wordPlaces.pluck('place').distinct(),
          options,
        )
        expect(await topWords.compute(options)).toEqual([
          ['the', 3],
          ['cat', 1],
        ])
        expect((await numbers.map(tagged).compute(options)).map(({ item }) => item)).toEqual(
          NUMBERS,
        )
      })
      expect(warnings).toEqual([])
      expect(places.filter((place) => place !== here)).not.toEqual([])
      expect(written.filter((place) => place !== here)).not.toEqual([])
    },
  )
})

// Named the bag's step: "(function map)", which the user did not write. Spawned: the
// warning comes once the run has ended, and vitest listens for rejections itself.
test.each(EXECUTORS)(
  "on %s, a rejection a bag's function leaves for after its run is a warning naming that function",
  async (executor) => {
    const program = fileURLToPath(new URL('fixtures/bag-rejects-after-run.mjs', import.meta.url))
    const cwd = fileURLToPath(new URL('..', import.meta.url))
    const { stdout } = await promisify(execFile)(process.execPath, [program, executor], {
      cwd,
      timeout: 20_000,
    })
    const { result, warnings } = JSON.parse(stdout) as {
      result: unknown
      warnings: { code: string; message: string }[]
    }
    expect(result).toEqual([1])
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatchObject({ code: 'TASKGRAPH_UNHANDLED_REJECTION' })
    expect(warnings[0]!.message).toContain('(function rejectsAfter)')
  },
)
