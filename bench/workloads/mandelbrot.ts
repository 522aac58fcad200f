// The Mandelbrot workload: examples/mandelbrot.ts's tiles, put back together and summed
// (without the PNG, which is not what the engines are compared on).
import { delayed } from 'taskgraph'
import { assemble, mandelbrotTile, type BoundingBox, type Tile } from '../../examples/mandelbrot.ts'

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
