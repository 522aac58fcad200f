import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { killOnCleanup, killStrays } from './helpers/processes.js'
import { finished, runCli, startCli } from './helpers/run-cli.js'

afterAll(killStrays)

// examples/tokenize.ts: the lesson's Vectorizer experiment, 100 seeded random texts
// tokenized by a Vectorizer's lazy map, as 16 chunk tasks and a join.
const EXAMPLE = fileURLToPath(new URL('../../../examples/tokenize.ts', import.meta.url))

/** Runs the example on `executor` and returns its parsed JSON output. */
async function tokenizeOn(executor: readonly string[]): Promise<string[][]> {
  const child = killOnCleanup(startCli(['run', EXAMPLE, '--json', ...executor]))
  const result = await finished(child)
  // No warning either: on the pools, every chunk ran in a worker.
  expect(result).toMatchObject({ code: 0, stderr: '' })
  return JSON.parse(result.stdout) as string[][]
}

describe('taskgraph run examples/tokenize.ts', () => {
  it('tokenizes the 100 texts, in order', async () => {
    const tokens = await tokenizeOn([])
    expect(tokens).toHaveLength(100)
    for (const list of tokens) {
      for (const token of list) expect(token).toMatch(/^[a-e]+$/)
      // 20 characters hold at most 20 letters, and spaces between the tokens.
      expect(list.join(' ').length).toBeLessThanOrEqual(20)
    }
    expect(tokens.slice(0, 3)).toMatchInlineSnapshot(`
      [
        [
          "dbd",
          "eea",
          "ed",
          "ec",
          "deadb",
        ],
        [
          "b",
          "abbeba",
          "e",
          "ecaeacb",
        ],
        [
          "cbddbdcdbdbabaeecbd",
        ],
      ]
    `)
  })

  it.concurrent.each([
    ['threads', '4'],
    ['processes', '2'],
  ])(
    'gives the same tokens with --executor %s --workers %s, without a warning',
    async (executor, workers) => {
      const [inline, pooled] = await Promise.all([
        tokenizeOn(['--executor', 'inline']),
        tokenizeOn(['--executor', executor, '--workers', workers]),
      ])
      expect(pooled).toEqual(inline)
    },
  )

  it('draws 16 chunk tasks and their join', async () => {
    const result = await runCli(['visualize', EXAMPLE])
    expect(result.code).toBe(0)
    const tasks = result.stdout.match(/^ {2}"task:[^"]+" \[label="[^"]+"/gm) ?? []
    const labels = tasks.map((line) => /label="([^"]+)"/.exec(line)![1])
    expect(labels.filter((label) => label === 'tokenize')).toHaveLength(16)
    expect(labels.filter((label) => label !== 'tokenize')).toEqual(['concat'])
  })
})
