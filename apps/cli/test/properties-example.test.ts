import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { runCli } from './helpers/run-cli.js'

// examples/properties.ts, ΦML's three-stage normalization, run as users run it.

const example = fileURLToPath(new URL('../../../examples/properties.ts', import.meta.url))

describe('examples/properties.ts', () => {
  it.concurrent.each(['processes', 'threads'])(
    'computes the normalized result on the %s executor',
    async (executor) => {
      const result = await runCli(['run', example, '--executor', executor, '--json'])
      expect(result).toMatchObject({ code: 0, stderr: '' })
      expect(JSON.parse(result.stdout)).toEqual({ normalizedResult: [-2, 0, 2] })
    },
  )

  it('draws three stages: per element, the mean over all, per element again', async () => {
    const result = await runCli(['visualize', example])
    expect(result).toMatchObject({ code: 0, stderr: '' })
    const edges = result.stdout.split('\n').filter((line) => line.includes('-> "task:'))
    expect(edges.join('\n')).toMatchInlineSnapshot(`
      "  "data:individualResult-1" -> "task:mean-4";
        "data:individualResult-2" -> "task:mean-4";
        "data:individualResult-3" -> "task:mean-4";
        "data:individualResult-1" -> "task:normalizedResult-5";
        "data:mean-4" -> "task:normalizedResult-5";
        "data:individualResult-2" -> "task:normalizedResult-6";
        "data:mean-4" -> "task:normalizedResult-6";
        "data:individualResult-3" -> "task:normalizedResult-7";
        "data:mean-4" -> "task:normalizedResult-7";
        "data:normalizedResult-5" -> "task:properties-8";
        "data:normalizedResult-6" -> "task:properties-8";
        "data:normalizedResult-7" -> "task:properties-8";"
    `)
  })
})
