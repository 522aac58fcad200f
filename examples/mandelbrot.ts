// The lesson's Mandelbrot exercise: a 1024 x 1024 image (max_iter 1024, centred on
// -1.1195+0.2718i, extent 0.005+0.005i), computed as n x n tiles in parallel and put
// back together (domain splitting). Each pixel's point comes from its position in the
// whole image, so the tiled image equals the untiled one exactly. Writes the picture to
// mandelbrot.png beside this file, or where MANDELBROT_PNG says (relative to the folder
// the command runs in), and returns a checksum of the iteration counts.
//
//   npx taskgraph run examples/mandelbrot.ts --executor threads
//   MANDELBROT_PNG=zoom.png npx taskgraph run examples/mandelbrot.ts --executor threads
//   npx taskgraph visualize examples/mandelbrot.ts -o mandelbrot.svg
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { encode } from 'fast-png'
import { delayed, gather } from 'taskgraph'

/** The region to draw: a grid of width x height pixels around `center`. */
export interface BoundingBox {
  readonly width: number
  readonly height: number
  readonly center: readonly [re: number, im: number]
  readonly extent: readonly [re: number, im: number]
}

/** A rectangle of pixels of the whole image: columns x0..x1, rows y0..y1 (exclusive ends). */
export interface Tile {
  readonly x0: number
  readonly x1: number
  readonly y0: number
  readonly y1: number
}

export const testCase: BoundingBox = {
  width: 1024,
  height: 1024,
  center: [-1.1195, 0.2718],
  extent: [0.005, 0.005],
}
export const MAX_ITER = 1024

/**
 * Iteration counts for the pixels of `tile` (row by row): how many steps of z = z² + c,
 * from z = 0, until |z|² ≥ 4, at most `maxIter` - 1 (the lesson's loop).
 */
export function mandelbrotTile(box: BoundingBox, tile: Tile, maxIter: number): Uint16Array {
  const scale = Math.max(box.extent[0] / box.width, box.extent[1] / box.height)
  const [centerRe, centerIm] = box.center
  const halfWidth = Math.floor(box.width / 2)
  const halfHeight = Math.floor(box.height / 2)
  const out = new Uint16Array((tile.x1 - tile.x0) * (tile.y1 - tile.y0))
  let o = 0
  for (let j = tile.y0; j < tile.y1; j++) {
    const cIm = centerIm + (j - halfHeight) * scale
    for (let i = tile.x0; i < tile.x1; i++) {
      const cRe = centerRe + (i - halfWidth) * scale
      let re = 0
      let im = 0
      let k = 0
      for (; k < maxIter; k++) {
        const re2 = re * re - im * im + cRe
        im = 2 * re * im + cIm
        re = re2
        if (re * re + im * im >= 4) break
      }
      out[o++] = k === maxIter ? k - 1 : k
    }
  }
  return out
}

/** Splits a width x height image into n x n tiles (the last row and column take the rest). */
export function splitTiles(width: number, height: number, n: number): Tile[] {
  const tiles: Tile[] = []
  const w = Math.floor(width / n)
  const h = Math.floor(height / n)
  for (let ty = 0; ty < n; ty++) {
    for (let tx = 0; tx < n; tx++) {
      tiles.push({
        x0: tx * w,
        x1: tx === n - 1 ? width : (tx + 1) * w,
        y0: ty * h,
        y1: ty === n - 1 ? height : (ty + 1) * h,
      })
    }
  }
  return tiles
}

/** Puts tiles back into one row-major image of width x height counts. */
export function assemble(
  width: number,
  height: number,
  tiles: Tile[],
  counts: Uint16Array[],
): Uint16Array {
  const image = new Uint16Array(width * height)
  tiles.forEach((tile, t) => {
    const tileWidth = tile.x1 - tile.x0
    const data = counts[t]!
    for (let row = 0; row < tile.y1 - tile.y0; row++) {
      image.set(
        data.subarray(row * tileWidth, (row + 1) * tileWidth),
        (tile.y0 + row) * width + tile.x0,
      )
    }
  })
  return image
}

/** A 32-bit FNV-1a hash of the counts, as 8 hex digits. */
export function checksum(counts: Uint16Array): string {
  let hash = 0x811c9dc5
  for (const count of counts) {
    hash = Math.imul(hash ^ (count & 0xff), 0x01000193)
    hash = Math.imul(hash ^ (count >>> 8), 0x01000193)
  }
  return (hash >>> 0).toString(16).padStart(8, '0')
}

/** Colours counts as the lesson plots them (count^(1/3), on a blue-to-red ramp) and encodes a PNG. */
export function toPng(
  width: number,
  height: number,
  counts: Uint16Array,
  maxIter: number,
): Uint8Array {
  const rgb = new Uint8Array(width * height * 3)
  const top = Math.cbrt(maxIter - 1)
  // The lesson draws with origin='lower': the first row of counts is the bottom of the image.
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = Math.cbrt(counts[(height - 1 - y) * width + x]!) / top
      const p = (y * width + x) * 3
      rgb[p] = Math.round(255 * Math.min(1, Math.max(0, 1.5 - Math.abs(4 * t - 3))))
      rgb[p + 1] = Math.round(255 * Math.min(1, Math.max(0, 1.5 - Math.abs(4 * t - 2))))
      rgb[p + 2] = Math.round(255 * Math.min(1, Math.max(0, 1.5 - Math.abs(4 * t - 1))))
    }
  }
  return encode({ width, height, data: rgb, channels: 3, depth: 8 })
}

/**
 * Where the picture goes: the path in `MANDELBROT_PNG`, from the current directory, or
 * mandelbrot.png beside this file. A workflow takes no arguments, and workers see the
 * command's environment, so the choice is an environment variable.
 */
export function pngPath(env: NodeJS.ProcessEnv = process.env): string {
  const asked = env.MANDELBROT_PNG
  return asked ? resolve(asked) : fileURLToPath(new URL('mandelbrot.png', import.meta.url))
}

const computeTile = delayed(mandelbrotTile, { name: 'tile' })

const finish = delayed(
  async function render(
    box: BoundingBox,
    tiles: Tile[],
    counts: Uint16Array[],
    maxIter: number,
    path: string,
  ) {
    const image = assemble(box.width, box.height, tiles, counts)
    await mkdir(dirname(path), { recursive: true })
    await writeFile(path, toPng(box.width, box.height, image, maxIter))
    return {
      width: box.width,
      height: box.height,
      tiles: tiles.length,
      checksum: checksum(image),
      png: path,
    }
  },
  // The tiles come back to the main thread; putting them together there spares a copy
  // of every tile to a worker.
  { mainThread: true },
)

const TILES_PER_SIDE = 4
const tiles = splitTiles(testCase.width, testCase.height, TILES_PER_SIDE)

export default finish(
  testCase,
  tiles,
  gather(tiles.map((tile) => computeTile(testCase, tile, MAX_ITER))),
  MAX_ITER,
  pngPath(),
)
