import { describe, expect, it } from 'vitest'
import { runCli } from './helpers/run-cli.js'

// long-result.ts returns { items: [0, ..., 19999], text: 'xxx...' (20,000 characters) }.
describe.concurrent('a long result', () => {
  it('prints whole, with nothing cut short and nothing on stderr', async () => {
    const result = await runCli(['run', 'long-result.ts'])
    expect(result).toMatchObject({ code: 0, stderr: '' })
    const numbers = result.stdout.match(/\b\d+\b/g)?.map(Number)
    expect(numbers).toEqual(Array.from({ length: 20_000 }, (_, i) => i))
    expect(result.stdout).toContain(`'${'x'.repeat(20_000)}'`)
    expect(result.stdout).not.toMatch(/more (items|characters)/)
  })

  it('prints whole with --json', async () => {
    const result = await runCli(['run', 'long-result.ts', '--json'])
    expect(result).toMatchObject({ code: 0, stderr: '' })
    const value = JSON.parse(result.stdout) as { items: number[]; text: string }
    expect(value.items).toHaveLength(20_000)
    expect(value.text).toHaveLength(20_000)
  })
})
