import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { runCli } from './helpers/run-cli.js'

// The futures example, run as users run it: its default export submits work and reads
// results as they complete, on the executor the command line names.

const example = (name: string): string =>
  fileURLToPath(new URL(`../../../examples/${name}`, import.meta.url))

describe('examples/as-completed.ts', () => {
  it.each(['async', 'threads', 'processes'])(
    'prints each score as it comes and sums them up on %s',
    async (executor) => {
      const result = await runCli(['run', example('as-completed.ts'), '-e', executor, '--json'])
      expect(result.code).toBe(0)
      expect(JSON.parse(result.stdout)).toEqual({ documents: 10, scored: 14, mean: 55.1 })
      const lines = result.stderr.trim().split('\n')
      // Ten first scores and four second opinions, each line as its future completed.
      expect(lines).toHaveLength(14)
      expect(lines.filter((line) => line.includes('(round 2)'))).toHaveLength(4)
      for (const line of lines) expect(line).toMatch(/^document \d+ \(round [12]\): \d+$/)
    },
  )
})
