import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli, type CliOptions } from './helpers/run-cli.js'
import { cleanUp, makeTempDir } from './helpers/temp-dirs.js'

// The lesson's workloads in examples/, run as users run them.

const example = (name: string): string =>
  fileURLToPath(new URL(`../../../examples/${name}`, import.meta.url))

afterAll(cleanUp)

async function runJson(args: string[], options: CliOptions = {}): Promise<unknown> {
  const result = await runCli(['run', ...args, '--json'], options)
  expect(result).toMatchObject({ code: 0, stderr: '' })
  return JSON.parse(result.stdout) as unknown
}

describe('examples/pea-soup.ts', () => {
  it('overlaps chopping with simmering on the async executor', async () => {
    expect(await runJson([example('pea-soup.ts')])).toMatchObject({ choppedWhileSimmering: true })
  })

  it('cooks one step at a time on the inline executor', async () => {
    expect(await runJson([example('pea-soup.ts'), '-e', 'inline'])).toMatchObject({
      choppedWhileSimmering: false,
    })
  })
})

describe('examples/mandelbrot.ts', { timeout: 60_000 }, () => {
  it('draws the same image on every executor, and writes it as a PNG where MANDELBROT_PNG says', async () => {
    const checksums: unknown[] = []
    for (const executor of ['inline', 'threads', 'processes']) {
      const cwd = await makeTempDir()
      const result = (await runJson([example('mandelbrot.ts'), '-e', executor], {
        cwd,
        env: { MANDELBROT_PNG: 'out/zoom.png' },
      })) as { checksum: string; png: string; tiles: number }
      expect(result.tiles).toBe(16)
      expect(result.png).toBe(join(cwd, 'out', 'zoom.png'))
      expect(await readdir(join(cwd, 'out'))).toEqual(['zoom.png'])
      const png = await readFile(result.png)
      expect([...png.subarray(1, 4)].map((byte) => String.fromCharCode(byte)).join('')).toBe('PNG')
      checksums.push(result.checksum)
    }
    expect(new Set(checksums).size).toBe(1)
  })
})

describe('examples/async-io.ts', () => {
  it('fetches all 50 items', async () => {
    expect(await runJson([example('async-io.ts')])).toMatchObject({ fetched: 50 })
  })
})

describe('examples/pi.ts and examples/gather.ts', () => {
  // Four runs of 2 s of work each, one after another: past 30 s on a busy machine.
  it('estimate pi the same on every executor', { timeout: 90_000 }, async () => {
    const estimates = new Set<unknown>()
    for (const executor of ['inline', 'async', 'threads', 'processes']) {
      estimates.add(await runJson([example('pi.ts'), '-e', executor]))
    }
    expect(estimates.size).toBe(1)
    const [estimate] = [...estimates] as number[]
    expect(Math.abs(estimate! - Math.PI)).toBeLessThan(0.01)
  })

  it('gather the lesson’s add(n, n)', async () => {
    expect(await runJson([example('gather.ts')])).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18])
  })
})
