import { describe, expect, it } from 'vitest'
import { dotNodes } from './helpers/dot-nodes.js'
import { runCli } from './helpers/run-cli.js'

// fan-out.ts: 2,000 tasks of `inc` reading one literal, summed by one `sum`.

/** The nodes drawn, legend aside. */
function drawn(dot: string): [string, Record<string, string>][] {
  return [...dotNodes(dot)].filter(([id]) => !id.startsWith('legend:'))
}

describe('taskgraph visualize grouping', () => {
  it('draws a graph of 2,000 tasks one node per step by default, edges counted', async () => {
    const result = await runCli(['visualize', 'fan-out.ts'])
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(drawn(result.stdout).map(([id, { label }]) => [id, label])).toEqual([
      ['group:data:seed', 'seed ×1'],
      ['group:task:inc', 'inc ×2000'],
      ['group:task:sum', 'sum ×1'],
    ])
    expect(result.stdout).toContain('"group:data:seed" -> "group:task:inc" [label="2000"];')
    expect(result.stdout).toContain('"group:task:inc" -> "group:task:sum" [label="2000"];')
  })

  it('--no-group draws every task', async () => {
    const result = await runCli(['visualize', 'fan-out.ts', '--no-group'])
    expect(result.code).toBe(0)
    const ellipses = drawn(result.stdout).filter(([, { shape }]) => shape === 'ellipse')
    expect(ellipses).toHaveLength(2001)
  })

  it('--group-above sets the size above which it groups', async () => {
    const [above, below] = await Promise.all([
      runCli(['visualize', 'fan-out.ts', '--group-above', '2001']),
      runCli(['visualize', 'fan-out.ts', '--group-above', '2000']),
    ])
    expect(drawn(above.stdout).some(([id]) => id.startsWith('group:'))).toBe(false)
    expect(drawn(below.stdout).some(([id]) => id.startsWith('group:'))).toBe(true)
  })

  it('--group groups a small graph too', async () => {
    const result = await runCli(['visualize', 'diagram.ts', '--group'])
    expect(result.code).toBe(0)
    expect(drawn(result.stdout).map(([, { label }]) => label)).toEqual([
      'prices ×1',
      'sum ×1',
      'rate ×1',
      'times ×1',
      'receipt ×1',
    ])
  })

  it('--color order colours groups, with a legend', async () => {
    const result = await runCli(['visualize', 'fan-out.ts', '--color', 'order'])
    expect(result.code).toBe(0)
    const nodes = dotNodes(result.stdout)
    expect(nodes.get('group:task:inc')?.fillcolor).toMatch(/^#[0-9a-f]{6}$/)
    expect(nodes.get('group:task:sum')?.fillcolor).toBe('#08306b')
    expect(nodes.get('legend:0')?.label).toBe('first')
  })
})
