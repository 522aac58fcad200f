import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dotNodes } from './helpers/dot-nodes.js'
import { fixture, runCli } from './helpers/run-cli.js'
import { cleanUp, makeTempDir } from './helpers/temp-dirs.js'

// `taskgraph visualize --color status|duration --trace`: a run of one-fails.ts traced,
// then drawn. In it "sum" and "max" are done, "broken" failed, and "report", which
// needs all three, never ran.

let dir: string
let trace: string

beforeAll(async () => {
  dir = await makeTempDir()
  trace = join(dir, 'run.json')
  const run = await runCli(['run', fixture('one-fails.ts'), '-k', '--trace', trace], { cwd: dir })
  expect(run.code).toBe(1)
})
afterAll(cleanUp)

const GREEN = '#74c476'
const RED = '#de2d26'
const NOT_RUN_GREY = '#e5e5e5'

describe('taskgraph visualize --color status', () => {
  it('fills the failed task red, those done green, the one that never ran grey', async () => {
    const result = await runCli([
      'visualize',
      'one-fails.ts',
      '--color',
      'status',
      '--trace',
      trace,
    ])
    expect(result).toMatchObject({ code: 0, stderr: '' })
    const nodes = dotNodes(result.stdout)
    const fills = ['sum', 'max', 'broken', 'report'].map(
      (key) => nodes.get(`task:${key}`)?.fillcolor,
    )
    expect(fills).toEqual([GREEN, GREEN, RED, NOT_RUN_GREY])
    expect(nodes.get('task:broken')).toMatchObject({ fontcolor: '#ffffff' })
    expect(nodes.get('task:report')?.tooltip).toBe('not run')
    expect(nodes.get('data:numbers')?.fillcolor).toBeUndefined()
  })

  it('renders to SVG, the failed task filled red', async () => {
    const args = ['--color', 'status', '--trace', trace, '-o', 'graph.svg']
    const result = await runCli(['visualize', fixture('one-fails.ts'), ...args], { cwd: dir })
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' })
    const svg = await readFile(join(dir, 'graph.svg'), 'utf8')
    expect(svg).toMatch(/^(<\?xml|<svg)/)
    expect(svg).toContain('</svg>')
    // Graphviz writes each node as a <g> titled with its id: the ellipse, then the label.
    const broken =
      /<title>task:broken<\/title>[^]*?<ellipse fill="([^"]+)"[^]*?<text [^>]*fill="([^"]+)"/.exec(
        svg,
      )
    expect(broken?.slice(1)).toEqual([RED, '#ffffff'])
  })

  it('warns when none of the traced tasks is in the graph', async () => {
    const other = join(dir, 'other.json')
    expect((await runCli(['run', fixture('sum.ts'), '--trace', other], { cwd: dir })).code).toBe(0)
    const result = await runCli([
      'visualize',
      'one-fails.ts',
      '--color',
      'status',
      '--trace',
      other,
    ])
    expect(result.code).toBe(0)
    expect(result.stderr).toMatch(/^taskgraph: warning: none of the 3 tasks in .*other\.json/)
    const fills = [...dotNodes(result.stdout)]
      .filter(([id]) => id.startsWith('task:'))
      .map(([, attributes]) => attributes.fillcolor)
    expect(new Set(fills)).toEqual(new Set([NOT_RUN_GREY]))
  })
})

describe('taskgraph visualize --color duration', () => {
  it('fills each task that ran along the scale, with a legend from shortest to longest', async () => {
    const result = await runCli([
      'visualize',
      'one-fails.ts',
      '--color',
      'duration',
      '--trace',
      trace,
    ])
    expect(result).toMatchObject({ code: 0, stderr: '' })
    const nodes = dotNodes(result.stdout)
    for (const key of ['sum', 'max', 'broken']) {
      expect(nodes.get(`task:${key}`)?.fillcolor).toMatch(/^#[0-9a-f]{6}$/)
      expect(nodes.get(`task:${key}`)?.fillcolor).not.toBe(NOT_RUN_GREY)
    }
    expect(nodes.get('task:report')?.fillcolor).toBe(NOT_RUN_GREY)
    expect(result.stdout).toContain('subgraph cluster_legend {')
    expect(result.stdout).toContain('graph [label="duration (log scale)"')
    const legend = [...nodes].filter(([id]) => id.startsWith('legend:'))
    expect(legend.at(-1)?.[1]).toMatchObject({ label: 'not run', fillcolor: NOT_RUN_GREY })
    expect(legend[0]?.[1].label).toMatch(/^[\d.]+ m?s$/)
  })
})

describe('taskgraph visualize flags that go together', () => {
  it.each([
    ['--color status without --trace', ['--color', 'status'], ['--color status', '--trace']],
    ['--color duration without --trace', ['--color', 'duration'], ['--color duration', '--trace']],
    ['--trace without --color', ['--trace', 'run.json'], ['--trace', '--color']],
    [
      '--trace with --color order',
      ['--trace', 'run.json', '--color', 'order'],
      ['--trace', '--color order'],
    ],
    [
      '--group with --group-above',
      ['--group', '--group-above', '10'],
      ['--group-above', '--group'],
    ],
    [
      '--no-group with --group-above',
      ['--no-group', '--group-above', '10'],
      ['--group-above', '--no-group'],
    ],
    ['an unknown --color', ['--color', 'rainbow'], ['rainbow']],
    ['a --group-above that is not a whole number', ['--group-above', '2.5'], ['--group-above']],
  ])('%s is a usage error naming them', async (_, args, named) => {
    const result = await runCli(['visualize', 'one-fails.ts', ...args])
    expect(result).toMatchObject({ code: 2, stdout: '' })
    const lines = result.stderr.trimEnd().split('\n')
    expect(lines).toHaveLength(1)
    for (const flag of named) expect(lines[0]).toContain(flag)
  })
})

describe('taskgraph visualize --trace of a file that is not a trace', () => {
  it.each([
    ['a file that does not exist', 'missing.json', undefined],
    ['a file that is not JSON', 'notes.txt', 'three tasks, one failed\n'],
    ['JSON that is not a trace', 'package.json', '{ "name": "flow" }\n'],
    ['a trace of events only', 'events.json', '[{ "ph": "X", "name": "a", "ts": 0, "dur": 1 }]'],
  ])('%s exits 3 with InvalidTraceError, naming the file', async (_, name, text) => {
    if (text !== undefined) await writeFile(join(dir, name), text)
    const result = await runCli(
      ['visualize', fixture('one-fails.ts'), '--color', 'status', '--trace', name],
      { cwd: dir },
    )
    expect(result).toMatchObject({ code: 3, stdout: '' })
    expect(result.stderr).toMatch(/^taskgraph: error: InvalidTraceError: /)
    expect(result.stderr).toContain(name)
    expect(result.stderr).toContain('taskgraph run')
  })
})
