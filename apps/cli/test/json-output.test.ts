import { describe, expect, it } from 'vitest'
import { runCli } from './helpers/run-cli.js'

describe.concurrent('results without a JSON form', () => {
  it.each([
    { file: 'bigint.ts', text: '55340232221128654848n\n' },
    { file: 'map.ts', text: "Map(1) { 'peas' => 2 }\n" },
  ])('$file prints with the inspector without --json', async ({ file, text }) => {
    const result = await runCli(['run', file])
    expect(result).toMatchObject({ code: 0, stdout: text, stderr: '' })
  })

  it.each(['bigint.ts', 'map.ts'])(
    '%s exits 4 with --json, printing nothing on stdout',
    async (file) => {
      const result = await runCli(['run', file, '--json'])
      expect(result.code).toBe(4)
      expect(result.stdout).toBe('')
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1)
    },
  )
})
