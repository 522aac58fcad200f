import { describe, expect, test } from 'vitest'
import {
  InvalidOptionError,
  OutputError,
  Profiler,
  compute,
  delayed,
  readAddedGraphs,
  readTraceStates,
  toChromeTrace,
  visualize,
  type VisualizeOptions,
} from '../src/index.js'

// The library's visualize, as a program imports it: options it does not know are
// refused rather than ignored.

const inc = delayed((x: number) => x + 1, { name: 'inc' })

describe('visualize', () => {
  test('an SVG Graphviz cannot draw (a chain of 8,000 tasks, one node each) is an OutputError', async () => {
    let last: unknown = 0
    for (let i = 0; i < 8000; i++) last = inc(last as number)
    const drawing = visualize(last, { format: 'svg', group: false })
    await expect(drawing).rejects.toBeInstanceOf(OutputError)
    await expect(drawing).rejects.toMatchObject({ code: 'ERR_OUTPUT' })
  })

  test('draws DOT by default', async () => {
    expect(await visualize(inc(1), { rankdir: 'LR' })).toMatch(
      /^digraph taskgraph \{\n {2}graph \[rankdir=LR\];/,
    )
  })

  test('colours by the states read from a trace', async () => {
    const node = inc.with({ key: 'one' })(1)
    const at = Date.now()
    const trace = toChromeTrace([
      {
        key: 'one',
        name: 'inc',
        executor: 'inline',
        worker: { kind: 'main', host: 'laptop', pid: 1, threadId: 0 },
        attempt: 1,
        status: 'failed',
        error: new Error('no'),
        queuedAt: at,
        startedAt: at,
        endedAt: at + 2,
      },
    ])
    const dot = await visualize(node, { color: 'status', taskStates: readTraceStates(trace) })
    expect(dot).toContain(
      '"task:one" [label="inc", shape=ellipse, style=filled, fillcolor="#de2d26"',
    )
  })

  test('draws the tasks a run added, from a Profiler or its trace', async () => {
    const twice = delayed(
      (x: number) => inc.with({ key: 'inner' })(inc.with({ key: 'first' })(x)),
      {
        name: 'twice',
      },
    )
    const node = twice.with({ key: 'outer' })(1)
    const profiler = new Profiler()
    expect(await compute(node, { hooks: profiler.hooks })).toEqual([3])
    const trace = profiler.trace()
    const options = { color: 'status', taskStates: readTraceStates(trace) } as const
    const added = await visualize(node, { ...options, addedGraphs: readAddedGraphs(trace) })
    expect(added).toContain('"data:first" -> "task:inner";')
    expect(added).toContain('"data:inner" -> "data:outer" [style=dashed];')
    expect(await visualize(node, { ...options, addedGraphs: profiler.addedGraphs })).toBe(added)
    expect(await visualize(node, options)).not.toContain('inner')
  })

  test('draws grouped as asked', async () => {
    expect(await visualize([inc(1), inc(2)], { group: true })).toContain(
      '"group:task:inc" [label="inc ×2", shape=ellipse',
    )
  })

  test.each([
    ['an unknown option', { colour: 'order' }],
    ["color 'status' without taskStates", { color: 'status' }],
    ['a group that is not a boolean or a number', { group: 'always' }],
    ['a format it cannot draw', { format: 'png' }],
    ['added graphs that are not an array', { addedGraphs: 'run.json' }],
    ['added graphs holding something else', { addedGraphs: [null] }],
    ['an unknown rankdir', { rankdir: 'UP' }],
    ['options that are not an object', 'svg'],
  ])('refuses %s with InvalidOptionError', async (_, options) => {
    const drawing = visualize(inc(1), options as VisualizeOptions)
    await expect(drawing).rejects.toThrow(InvalidOptionError)
    await expect(drawing).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' })
    // The call at fault is the one named, not toDot, which visualize draws with.
    await expect(drawing).rejects.toThrow(/^visualize: /)
  })
})
