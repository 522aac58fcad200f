import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { runCli } from './helpers/run-cli.js'

// examples/wordcount.ts and examples/pi-bag.ts, the lesson's bag workloads, run as users
// run them: the answer must not depend on the executor.

const example = (name: string): string =>
  fileURLToPath(new URL(`../../../examples/${name}`, import.meta.url))
const TEXT = example('data/kjv-genesis-exodus.txt')

/** The word count done directly, in one pass over the text: what the bag must agree with. */
function countWords(): { words: number; distinct: number; top: [string, number][] } {
  const words =
    readFileSync(TEXT, 'utf8')
      .toLowerCase()
      .match(/[a-z]+(?:'[a-z]+)*/g) ?? []
  const counts = new Map<string, number>()
  for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1)
  const top = [...counts].sort(([, a], [, b]) => b - a).slice(0, 10)
  return { words: words.length, distinct: counts.size, top }
}

describe('examples/wordcount.ts', () => {
  it('counts the words of Genesis and Exodus alike on inline and threads, as a direct count does', async () => {
    const runs = await Promise.all(
      ['inline', 'threads'].map((executor) =>
        runCli(['run', example('wordcount.ts'), '--executor', executor, '--json']),
      ),
    )
    // No warning on threads either: every function reached the workers.
    for (const run of runs) expect(run).toMatchObject({ code: 0, stderr: '' })
    const [inline, threads] = runs.map((run) => JSON.parse(run.stdout) as unknown)
    expect(threads).toEqual(inline)
    expect(inline).toEqual(countWords())
    expect(inline).toMatchInlineSnapshot(`
      {
        "distinct": 3395,
        "top": [
          [
            "and",
            6246,
          ],
          [
            "the",
            5571,
          ],
          [
            "of",
            2944,
          ],
          [
            "in",
            1092,
          ],
          [
            "to",
            1087,
          ],
          [
            "unto",
            1046,
          ],
          [
            "he",
            1030,
          ],
          [
            "his",
            1025,
          ],
          [
            "that",
            955,
          ],
          [
            "shall",
            756,
          ],
        ],
        "words": 71040,
      }
    `)
  })
})

describe('examples/pi-bag.ts', () => {
  it('gives the same estimate of pi on every executor', async () => {
    const runs = await Promise.all(
      ['inline', 'processes'].map((executor) =>
        runCli(['run', example('pi-bag.ts'), '--executor', executor, '--json']),
      ),
    )
    for (const run of runs) expect(run).toMatchObject({ code: 0, stderr: '' })
    const [inline, processes] = runs.map((run) => JSON.parse(run.stdout) as number)
    expect(processes).toBe(inline)
    expect(Math.abs(inline! - Math.PI)).toBeLessThan(0.01)
  })
})
