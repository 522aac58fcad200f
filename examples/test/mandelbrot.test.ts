import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import {
  assemble,
  mandelbrotTile,
  pngPath,
  splitTiles,
  testCase,
  type BoundingBox,
} from '../mandelbrot.ts'

// The lesson's domain split must not change the picture: every pixel's point comes from
// its place in the whole image, so tiles put back together equal the untiled image.

const whole = (box: BoundingBox, maxIter: number): Uint16Array =>
  mandelbrotTile(box, { x0: 0, x1: box.width, y0: 0, y1: box.height }, maxIter)

const tiled = (box: BoundingBox, maxIter: number, n: number): Uint16Array => {
  const tiles = splitTiles(box.width, box.height, n)
  return assemble(
    box.width,
    box.height,
    tiles,
    tiles.map((tile) => mandelbrotTile(box, tile, maxIter)),
  )
}

describe('the Mandelbrot domain split', () => {
  test.each([1, 2, 3, 4, 7])('%i x %i tiles equal the untiled image exactly', (n) => {
    // A small, odd-sized box so the last tiles take the rest of a row or column.
    const box: BoundingBox = { width: 101, height: 83, center: [-0.8, 0], extent: [3, 3] }
    expect(tiled(box, 256, n)).toEqual(whole(box, 256))
  })

  // Two whole 1024 x 1024 images on one thread: seconds alone, minutes while every
  // package's suite (pools, clusters) shares the machine's cores.
  test('the lesson’s 1024 x 1024 test case tiles 4 x 4 exactly', { timeout: 180_000 }, () => {
    expect(tiled(testCase, 1024, 4)).toEqual(whole(testCase, 1024))
  })

  test('splitting covers every pixel once', () => {
    const tiles = splitTiles(101, 83, 4)
    const area = tiles.reduce((sum, t) => sum + (t.x1 - t.x0) * (t.y1 - t.y0), 0)
    expect(area).toBe(101 * 83)
  })
})

describe('where the picture goes', () => {
  test('beside the example by default, whatever the current directory', () => {
    expect(pngPath({})).toBe(fileURLToPath(new URL('../mandelbrot.png', import.meta.url)))
  })

  test('where MANDELBROT_PNG says, from the current directory', () => {
    expect(pngPath({ MANDELBROT_PNG: 'out/zoom.png' })).toBe(resolve('out/zoom.png'))
    expect(pngPath({ MANDELBROT_PNG: '/tmp/zoom.png' })).toBe('/tmp/zoom.png')
  })
})
