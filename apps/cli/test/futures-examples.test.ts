import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { finished, runCli, startCli } from './helpers/run-cli.js'

// The futures examples, run as users run them: one submits work and reads results as they
// complete, one is a graph whose tasks return graphs; each on the executor the command
// line names.

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

describe('examples/adaptive-integral.ts', () => {
  it.each(['inline', 'async', 'threads', 'processes'])(
    'integrates by tasks that return graphs, to the same value on %s',
    async (executor) => {
      const result = await runCli([
        'run',
        example('adaptive-integral.ts'),
        '-e',
        executor,
        '--json',
      ])
      expect(result).toMatchObject({ code: 0, stderr: '' })
      // √π/2·erf(2) − 2e⁻⁴ = 0.845450112985 to twelve places.
      expect(JSON.parse(result.stdout)).toBeCloseTo(0.845450112985, 9)
    },
  )
})

describe('a workflow whose default export submits futures', () => {
  it.each(['threads', 'processes'])(
    'runs them on the %s workers, and one Ctrl-C stops it',
    async (executor) => {
      const child = startCli(['run', 'futures-busy.ts', '-e', executor])
      const result = finished(child)
      // Once a future has finished: the run is under way on the workers.
      await new Promise<void>((resolve) => {
        let stderr = ''
        child.stderr.on('data', (chunk: string) => {
          stderr += chunk
          if (stderr.includes('futures-busy: ')) resolve()
        })
      })
      child.kill('SIGINT')
      const { code, stderr } = await result
      // The futures ran in workers: the main thread heard the first signal.
      expect(code).toBe(130)
      expect(stderr).not.toContain('holding the main thread')
      expect(stderr).not.toContain('second SIGINT')
      expect(stderr).not.toContain('futures-busy: 1011')
    },
  )
})
