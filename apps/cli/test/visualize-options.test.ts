import { describe, expect, test } from 'vitest'
import { InvalidOptionError, delayed, visualize, type VisualizeOptions } from '../src/index.js'

// The library's visualize, as a program imports it: options it does not know are
// refused rather than ignored.

const inc = delayed((x: number) => x + 1, { name: 'inc' })

describe('visualize', () => {
  test('draws DOT by default', async () => {
    expect(await visualize(inc(1), { rankdir: 'LR' })).toMatch(
      /^digraph taskgraph \{\n {2}graph \[rankdir=LR\];/,
    )
  })

  test.each([
    ['an unknown option', { color: 'order' }],
    ['a format it cannot draw', { format: 'png' }],
    ['an unknown rankdir', { rankdir: 'UP' }],
    ['options that are not an object', 'svg'],
  ])('refuses %s with InvalidOptionError', async (_, options) => {
    const drawing = visualize(inc(1), options as VisualizeOptions)
    await expect(drawing).rejects.toThrow(InvalidOptionError)
    await expect(drawing).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' })
  })
})
