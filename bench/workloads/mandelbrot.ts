// The Mandelbrot workload: examples/mandelbrot.ts's tiles, put back together and summed
// (without the PNG, which is not what the engines are compared on).
import { delayed } from 'taskgraph'
import {
  MAX_ITER,
  assemble,
  mandelbrotTile,
  testCase,
  type BoundingBox,
  type Tile,
} from '../../examples/mandelbrot.ts'

export { MAX_ITER, splitTiles, testCase } from '../../examples/mandelbrot.ts'

export const tile = delayed(mandelbrotTile, { name: 'tile' })

export const image = delayed(
  function image(box: BoundingBox, tiles: Tile[], counts: Uint16Array[]) {
    let total = 0
    for (const count of assemble(box.width, box.height, tiles, counts)) total += count
    return total
  },
  { mainThread: true },
)

/** The pixel sum of the test case computed as one tile, on this thread: what `image` must give. */
export function untiledSum(): number {
  const { width, height } = testCase
  let total = 0
  for (const count of mandelbrotTile(testCase, { x0: 0, x1: width, y0: 0, y1: height }, MAX_ITER))
    total += count
  return total
}
