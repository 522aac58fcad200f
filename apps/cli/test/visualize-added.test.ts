import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { validateTrace } from '../../../packages/observe/test/trace-validator.js'
import { dotNodes } from './helpers/dot-nodes.js'
import { fixture, runCli } from './helpers/run-cli.js'
import { cleanUp, makeTempDir } from './helpers/temp-dirs.js'

// `taskgraph visualize --trace` of a run whose tasks returned graphs: returns-graph.ts,
// where "split" returns the graph of four parts and their total, and parts 2 and 4 each
// return a graph of one "double". The written graph holds "split" alone.

let dir: string

beforeAll(async () => {
  dir = await makeTempDir()
})
afterAll(cleanUp)

const GREEN = '#74c476'
const RED = '#de2d26'
const NOT_RUN_GREY = '#e5e5e5'

/** The edge statements of a DOT text, as written. */
function dotEdges(dot: string): string[] {
  return dot
    .split('\n')
    .filter((line) => line.includes(' -> '))
    .map((line) => line.trim())
}

async function traced(name: string, args: string[], env?: Record<string, string>) {
  const trace = join(dir, name)
  const run = await runCli(['run', fixture('returns-graph.ts'), '--trace', trace, ...args], {
    cwd: dir,
    ...(env === undefined ? {} : { env }),
  })
  return { trace, run }
}

async function drawn(trace: string): Promise<string> {
  const out = `${trace}.dot`
  const result = await runCli(
    ['visualize', fixture('returns-graph.ts'), '--color', 'status', '--trace', trace, '-o', out],
    { cwd: dir },
  )
  expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' })
  return readFile(out, 'utf8')
}

describe('taskgraph visualize --trace of a run that added tasks', () => {
  it.each(['async', 'threads'])(
    'draws the added tasks and their edges, each graph dashed to its task (%s)',
    async (executor) => {
      const { trace, run } = await traced(`${executor}.json`, ['--executor', executor])
      expect(run).toMatchObject({ code: 0, stdout: '16\n' })
      expect(validateTrace(await readFile(trace, 'utf8')).problems).toEqual([])
      const dot = await drawn(trace)
      const nodes = dotNodes(dot)
      const keys = [
        'split',
        'part-1',
        'part-2',
        'part-3',
        'part-4',
        'total',
        'double-2',
        'double-4',
      ]
      expect(keys.map((key) => nodes.get(`task:${key}`)?.fillcolor)).toEqual(keys.map(() => GREEN))
      expect(nodes.get('task:part-2')?.label).toBe('part')
      expect(dotEdges(dot).sort()).toEqual(
        [
          '"data:double-2" -> "data:part-2" [style=dashed];',
          '"data:double-4" -> "data:part-4" [style=dashed];',
          '"data:part-1" -> "task:total";',
          '"data:part-2" -> "task:total";',
          '"data:part-3" -> "task:total";',
          '"data:part-4" -> "task:total";',
          '"data:total" -> "data:split" [style=dashed];',
          ...keys.map((key) => `"task:${key}" -> "data:${key}";`),
        ].sort(),
      )
    },
  )

  it('colours a failed added task red, and those its failure left unrun grey', async () => {
    const { trace, run } = await traced('failed.json', [], { FAIL_PART: '3' })
    expect(run.code).toBe(1)
    const nodes = dotNodes(await drawn(trace))
    expect(nodes.get('task:part-3')?.fillcolor).toBe(RED)
    expect(nodes.get('task:total')).toMatchObject({ fillcolor: NOT_RUN_GREY, tooltip: 'not run' })
    expect(nodes.get('task:part-1')?.fillcolor).toBe(GREEN)
  })

  it('groups added tasks by function above --group-above, as the rest', async () => {
    const { trace } = await traced('grouped.json', [])
    const result = await runCli([
      'visualize',
      fixture('returns-graph.ts'),
      '--color',
      'status',
      '--trace',
      trace,
      '--group-above',
      '3',
    ])
    expect(result).toMatchObject({ code: 0, stderr: '' })
    const labels = [...dotNodes(result.stdout)]
      .filter(([id]) => id.startsWith('group'))
      .map(([, attributes]) => attributes.label)
    expect(labels.sort()).toEqual(['double ×2', 'part ×2', 'part ×2', 'split ×1', 'total ×1'])
    expect(result.stdout).toContain(
      '"group:task:total" -> "group:task:split" [label="1", style=dashed];',
    )
  })

  it('draws a trace without added tasks as the graph alone', async () => {
    const trace = join(dir, 'plain.json')
    expect((await runCli(['run', fixture('one-fails.ts'), '-k', '--trace', trace])).code).toBe(1)
    const metadata = (JSON.parse(await readFile(trace, 'utf8')) as { metadata: object }).metadata
    expect(metadata).not.toHaveProperty('addedGraphs')
    const traced = await runCli([
      'visualize',
      'one-fails.ts',
      '--color',
      'status',
      '--trace',
      trace,
    ])
    const plain = await runCli(['visualize', 'one-fails.ts'])
    expect([...dotNodes(traced.stdout).keys()].filter((id) => !id.startsWith('legend:'))).toEqual([
      ...dotNodes(plain.stdout).keys(),
    ])
    expect(dotEdges(traced.stdout)).toEqual(dotEdges(plain.stdout))
  })
})
