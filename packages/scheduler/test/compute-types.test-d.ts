import { delayed, gather, literal } from '@taskgraph/core'
import type { Delayed } from '@taskgraph/core'
import { describe, expectTypeOf, test } from 'vitest'
import {
  AsyncExecutor,
  InlineExecutor,
  ThreadExecutor,
  compute,
  persist,
} from '@taskgraph/scheduler'
import type { ComputeHooks, RunOptions, RunSummary, TaskInfo } from '@taskgraph/scheduler'

const count = delayed((text: string) => text.length)('abc')
const name = literal('ann')
const flag = delayed(async () => Promise.resolve(true))()

describe('compute', () => {
  test('gives a tuple of the targets’ result types, with or without options', () => {
    expectTypeOf(compute(count, name)).toEqualTypeOf<Promise<[number, string]>>()
    expectTypeOf(compute(count, name, { executor: 'inline' })).toEqualTypeOf<
      Promise<[number, string]>
    >()
    expectTypeOf(compute(flag, { executor: 'async', concurrency: 4 })).toEqualTypeOf<
      Promise<[boolean]>
    >()
  })

  test('takes an executor instance in the options as options, not as a target', () => {
    // InlineExecutor leaves out the optional members of Executor.
    expectTypeOf(compute(count, { executor: new InlineExecutor() })).toEqualTypeOf<
      Promise<[number]>
    >()
    expectTypeOf(
      compute(count, name, { executor: new InlineExecutor(), failFast: false }),
    ).toEqualTypeOf<Promise<[number, string]>>()
    void compute(count, {
      hooks: { onTaskStart: (task) => expectTypeOf(task).toEqualTypeOf<TaskInfo>() },
    })
    // Hooks written in place, beside an instance: their parameters are typed, and the
    // options are options.
    expectTypeOf(
      compute(count, {
        executor: new AsyncExecutor({ concurrency: 2 }),
        hooks: {
          onTaskStart: (task) => expectTypeOf(task).toEqualTypeOf<TaskInfo>(),
          onFinish: (summary) => expectTypeOf(summary).toEqualTypeOf<RunSummary>(),
        },
      }),
    ).toEqualTypeOf<Promise<[number]>>()
    expectTypeOf(
      compute(count, name, {
        executor: new ThreadExecutor(),
        failFast: false,
        hooks: { onTaskEnd: (task) => expectTypeOf(task.key).toEqualTypeOf<string>() },
      }),
    ).toEqualTypeOf<Promise<[number, string]>>()
  })

  // They typed as a target, and its result, what the call refuses at run time.
  test('refuses options it does not take, alone or beside others', () => {
    // @ts-expect-error an executor it does not know
    void compute(count, { executor: 'gpu' })
    // @ts-expect-error a misspelt option alone
    void compute(count, { exector: 'async' })
    // @ts-expect-error a misspelt option beside a known one
    void compute(count, { executor: 'async', concurency: 4 })
    // @ts-expect-error a value the option does not take
    void compute(count, { retries: 'two' })
    // An object holding a Delayed is a target.
    expectTypeOf(compute(count, { n: count })).toEqualTypeOf<Promise<[number, { n: number }]>>()
  })

  test('resolves Delayed inside arrays and objects, and passes plain values through', () => {
    expectTypeOf(compute({ n: count, rest: [name, flag] }, 'plain', 3)).toEqualTypeOf<
      Promise<[{ n: number; rest: [string, boolean] }, 'plain', 3]>
    >()
  })

  test('of gathered and destructured values', () => {
    expectTypeOf(compute(gather(count, name))).toEqualTypeOf<Promise<[[number, string]]>>()
    const divmod = delayed((a: number, b: number): [number, number] => [Math.floor(a / b), a % b], {
      nout: 2,
    })
    const [q, r] = divmod(7, 2).unpack()
    expectTypeOf(compute(q, r)).toEqualTypeOf<Promise<[number, number]>>()
  })
})

describe('Delayed#compute and persist', () => {
  test('take the scheduler’s options and give the result type', () => {
    expectTypeOf(count.compute({ executor: 'inline', failFast: false })).toEqualTypeOf<
      Promise<number>
    >()
    expectTypeOf<Parameters<typeof count.compute>>().toEqualTypeOf<[options?: RunOptions]>()
    // @ts-expect-error unknown option
    void count.compute({ exector: 'inline' })
    expectTypeOf(count.persist()).toEqualTypeOf<Promise<Delayed<number>>>()
    expectTypeOf(persist(name, { executor: 'inline' })).toEqualTypeOf<Promise<Delayed<string>>>()
  })

  test('reject options of the wrong type', () => {
    // @ts-expect-error concurrency is a number
    void count.compute({ executor: 'async', concurrency: '4' })
    // @ts-expect-error failFast is a boolean
    void persist(count, { failFast: 'no' })
    // @ts-expect-error no such executor
    void count.compute({ executor: 'gpu' })
  })
})

describe('hooks', () => {
  test('are typed callbacks', () => {
    const hooks: ComputeHooks = {
      onStart: (info) =>
        expectTypeOf(info).toEqualTypeOf<{ readonly tasks: number; readonly executor: string }>(),
      onTaskStart: (task) => expectTypeOf(task).toEqualTypeOf<TaskInfo>(),
      onTaskEnd: (_task, outcome) => expectTypeOf(outcome.error).toEqualTypeOf<unknown>(),
      onFinish: (summary) => expectTypeOf(summary).toEqualTypeOf<RunSummary>(),
    }
    expectTypeOf(hooks).toExtend<RunOptions['hooks']>()
  })
})

describe('a task that returns its work with a continuation', () => {
  const score = delayed((doc: string) => doc.length)
  const summarize = delayed((title: string, scores: number[]) => ({ title, scores }))
  const report = delayed((title: string, docs: string[]) =>
    summarize(
      title.toUpperCase(),
      docs.map((doc) => score(doc)),
    ),
  )

  test('is a Delayed of what the continuation returns, computed to it', () => {
    expectTypeOf(report('t', ['a'])).toEqualTypeOf<Delayed<{ title: string; scores: number[] }>>()
    expectTypeOf(report('t', ['a']).compute()).toEqualTypeOf<
      Promise<{ title: string; scores: number[] }>
    >()
  })

  test('has the continuation’s arguments checked against the work’s results', () => {
    const label = delayed((n: number) => `#${n}`)
    // @ts-expect-error strings where the continuation takes numbers
    void summarize('t', [label(1)])
  })
})

describe('onTasksAdded', () => {
  test('tells the tasks of the graph a task returned', () => {
    type Added = Parameters<NonNullable<ComputeHooks['onTasksAdded']>>[0]
    expectTypeOf<Added['parent']>().toEqualTypeOf<TaskInfo>()
    expectTypeOf<Added['graph'][number]['dependencies']>().toEqualTypeOf<readonly string[]>()
    expectTypeOf<Added['results']>().toEqualTypeOf<readonly string[]>()
  })
})
