import { describe, expect, test } from 'vitest'
import {
  InvalidOptionError,
  delayed,
  readTraceStates,
  toChromeTrace,
  visualize,
  type VisualizeOptions,
} from '../src/index.js'

// The library's visualize, as a program imports it: options it does not know are
// refused rather than ignored.

const inc = delayed((x: number) => x + 1, { name: 'inc' })

describe('visualize', () => {
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
    ['an unknown rankdir', { rankdir: 'UP' }],
    ['options that are not an object', 'svg'],
  ])('refuses %s with InvalidOptionError', async (_, options) => {
    const drawing = visualize(inc(1), options as VisualizeOptions)
    await expect(drawing).rejects.toThrow(InvalidOptionError)
    await expect(drawing).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' })
  })
})
