import { spawn } from 'node:child_process'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { CLI, finished, fixture, runCli } from './helpers/run-cli.js'
import { cleanUp, makeTempDir } from './helpers/temp-dirs.js'

afterEach(cleanUp)

/** Nodes (id -> attribute text) and edges of the DOT that `toDot` writes, one statement a line. */
function parseDot(dot: string): { nodes: Map<string, string>; edges: [string, string][] } {
  const nodes = new Map<string, string>()
  const edges: [string, string][] = []
  for (const line of dot.split('\n')) {
    const edge = /^ {2}"([^"]+)" -> "([^"]+)";$/.exec(line)
    if (edge) edges.push([edge[1]!, edge[2]!])
    const node = /^ {2}"([^"]+)" \[(.*)\];$/.exec(line)
    if (node) nodes.set(node[1]!, node[2]!)
  }
  return { nodes, edges }
}

describe('taskgraph visualize', () => {
  // diagram.ts: data nodes "prices" and "tax-rate" (literal), tasks "total" (sum),
  // "tax" (times) and the output "receipt", all with explicit keys.
  it('prints the graph as DOT', async () => {
    const result = await runCli(['visualize', 'diagram.ts'])
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(result.stdout).toMatchInlineSnapshot(`
      "digraph taskgraph {
        graph [rankdir=BT];
        node [fontname="Helvetica"];
        "data:prices" [label="prices", shape=box];
        "data:total" [label="total", shape=box];
        "task:total" [label="sum", shape=ellipse];
        "task:total" -> "data:total";
        "data:tax-rate" [label="tax-rate", shape=box];
        "data:tax" [label="tax", shape=box];
        "task:tax" [label="times", shape=ellipse];
        "task:tax" -> "data:tax";
        "data:receipt" [label="receipt", shape=box, peripheries=2];
        "task:receipt" [label="receipt", shape=ellipse];
        "task:receipt" -> "data:receipt";
        "data:prices" -> "task:total";
        "data:total" -> "task:tax";
        "data:tax-rate" -> "task:tax";
        "data:total" -> "task:receipt";
        "data:tax" -> "task:receipt";
      }
      "
    `)
  })

  it('--rankdir LR changes only the direction', async () => {
    const [bottomUp, leftRight] = await Promise.all([
      runCli(['visualize', 'diagram.ts']),
      runCli(['visualize', 'diagram.ts', '--rankdir', 'LR']),
    ])
    expect(leftRight.code).toBe(0)
    expect(leftRight.stdout).toContain('  graph [rankdir=LR];\n')
    expect(leftRight.stdout).toBe(bottomUp.stdout.replace('rankdir=BT', 'rankdir=LR'))
  })

  it('gives the same node ids from run to run, for generated keys too', async () => {
    // sum.ts uses no explicit key: its keys are generated.
    const first = await runCli(['visualize', 'sum.ts'])
    const second = await runCli(['visualize', 'sum.ts'])
    expect(first.code).toBe(0)
    // inc, inc and add: an ellipse and a box each.
    expect(parseDot(first.stdout).nodes.size).toBe(6)
    expect(second.stdout).toBe(first.stdout)
  })

  it('draws data nodes as boxes alone and tasks as an ellipse feeding a box', async () => {
    const { stdout } = await runCli(['visualize', 'diagram.ts'])
    const { nodes, edges } = parseDot(stdout)
    const isTask = (key: string): boolean =>
      nodes.get(`task:${key}`)?.includes('shape=ellipse') === true
    const keys = [...nodes.keys()].filter((id) => id.startsWith('data:')).map((id) => id.slice(5))
    expect(keys.filter((key) => !isTask(key))).toEqual(['prices', 'tax-rate'])
    expect(keys.filter(isTask)).toEqual(['total', 'tax', 'receipt'])
    for (const key of keys) expect(nodes.get(`data:${key}`)).toContain('shape=box')
    // Nothing feeds a data node; each task's ellipse feeds its own box.
    expect(edges.filter(([, to]) => to === 'data:prices' || to === 'data:tax-rate')).toEqual([])
    expect(edges).toContainEqual(['task:total', 'data:total'])
    expect(edges).toContainEqual(['data:prices', 'task:total'])
  })
})

describe('taskgraph visualize -o', () => {
  it('writes DOT to a .dot file, and nothing to stdout', async () => {
    const cwd = await makeTempDir()
    const [written, printed] = await Promise.all([
      runCli(['visualize', fixture('diagram.ts'), '-o', 'graph.dot'], { cwd }),
      runCli(['visualize', fixture('diagram.ts')], { cwd }),
    ])
    expect(written).toMatchObject({ code: 0, stdout: '', stderr: '' })
    expect(await readFile(join(cwd, 'graph.dot'), 'utf8')).toBe(printed.stdout)
  })

  it('renders SVG to a .svg file', async () => {
    const cwd = await makeTempDir()
    const result = await runCli(['visualize', fixture('diagram.ts'), '-o', 'graph.svg'], { cwd })
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' })
    const svg = await readFile(join(cwd, 'graph.svg'), 'utf8')
    expect(svg).toMatch(/^(<\?xml|<svg)/)
    expect(svg).toContain('</svg>')
    const labels = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map(([, text]) =>
      text!.replaceAll('&#45;', '-'),
    )
    expect(labels.sort()).toEqual([
      'prices',
      'receipt',
      'receipt',
      'sum',
      'tax',
      'tax-rate',
      'times',
      'total',
    ])
  })

  it('draws keys holding markup, quotes, newlines and control characters as they are', async () => {
    const cwd = await makeTempDir()
    const result = await runCli(['visualize', fixture('odd-keys.ts'), '-o', 'odd.svg'], { cwd })
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' })
    const svg = await readFile(join(cwd, 'odd.svg'), 'utf8')
    // Well-formed XML holds no control characters but tab, newline and carriage return.
    // eslint-disable-next-line no-control-regex
    expect(svg).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/)
    expect(svg).not.toContain('<script')
    // The task nodes' titles (an edge's is `task:KEY&#45;&gt;data:KEY`).
    const titles = [...svg.matchAll(/<title>task:([^<]*)<\/title>/g)]
      .map(([, title]) => title)
      .filter((title) => !title!.includes('&#45;&gt;'))
    expect(titles).toEqual([
      '&lt;script&gt;alert(1)&lt;/script&gt;',
      '&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;',
      // Ids write backslashes, and control characters, as their codes: Graphviz kept a
      // backslash doubled in a title, and two keys never share an id.
      '&quot;quoted&quot; &#39;and&#39; back%5Cslash }',
      'new\\nline 😀',
      'nul%00 esc%1B[31m',
    ])
    // Labels, as their pictures.
    expect(svg).toContain('>nul␀ esc␛[31m</text>')
  })

  it('draws a lone surrogate in a name or key as one U+FFFD, in SVG as in DOT', async () => {
    const cwd = await makeTempDir()
    const [svg, dot] = await Promise.all([
      runCli(['visualize', fixture('lone-surrogate.ts'), '-o', 'lone.svg'], { cwd }),
      runCli(['visualize', fixture('lone-surrogate.ts')], { cwd }),
    ])
    expect(svg).toMatchObject({ code: 0, stderr: '' })
    expect(dot).toMatchObject({ code: 0, stderr: '' })
    const texts = [
      ...(await readFile(join(cwd, 'lone.svg'), 'utf8')).matchAll(/>([^<>]*)<\/text>/g),
    ]
    expect(texts.map(([, text]) => text).sort()).toEqual(['half\ufffd', 'key\ufffd'])
    expect(dot.stdout).toContain('[label="half\ufffd", shape=ellipse]')
  })

  it('--format decides over the extension', async () => {
    const cwd = await makeTempDir()
    const [written, printed] = await Promise.all([
      runCli(['visualize', fixture('diagram.ts'), '-o', 'graph.txt', '--format', 'dot'], { cwd }),
      runCli(['visualize', fixture('diagram.ts')], { cwd }),
    ])
    expect(written.code).toBe(0)
    expect(await readFile(join(cwd, 'graph.txt'), 'utf8')).toBe(printed.stdout)
  })

  it('--format svg without -o prints SVG', async () => {
    const result = await runCli(['visualize', 'diagram.ts', '--format', 'svg'])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^(<\?xml|<svg)/)
  })

  it('an extension other than .dot, .gv or .svg without --format is a usage error', async () => {
    const cwd = await makeTempDir()
    const result = await runCli(['visualize', fixture('diagram.ts'), '-o', 'graph.png'], { cwd })
    expect(result).toMatchObject({ code: 2, stdout: '' })
    expect(result.stderr).toContain('graph.png')
    await expect(readFile(join(cwd, 'graph.png'))).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('a file that cannot be written exits 4', async () => {
    const cwd = await makeTempDir()
    const result = await runCli(
      ['visualize', fixture('diagram.ts'), '-o', 'no/such/dir/graph.dot'],
      { cwd },
    )
    expect(result).toMatchObject({ code: 4, stdout: '' })
    const lines = result.stderr.trimEnd().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^taskgraph: error: OutputError: taskgraph visualize -o: /)
    expect(lines[0]).toContain('no/such/dir/graph.dot')
  })

  // A full disk, as a file size limit makes one for any user: the write fails (EFBIG)
  // partway. The drawing that was there stays, not the start of a new one.
  it('a drawing the disk cannot take whole is an OutputError (exit 4), and leaves the file that was there', async () => {
    const cwd = await makeTempDir()
    await writeFile(join(cwd, 'chain.dot'), 'the drawing before')
    const args = ['visualize', fixture('long-chain.ts'), '--no-group', '-o', 'chain.dot']
    const limited = ['-c', 'ulimit -f 64 && exec "$@"', 'sh', process.execPath, CLI, ...args]
    const result = await finished(spawn('sh', limited, { cwd, stdio: ['ignore', 'pipe', 'pipe'] }))
    expect(result).toMatchObject({ code: 4, stdout: '' })
    expect(result.stderr).toMatch(/^taskgraph: error: OutputError: taskgraph visualize -o: .*EFBIG/)
    expect(await readFile(join(cwd, 'chain.dot'), 'utf8')).toBe('the drawing before')
    expect(await readdir(cwd)).toEqual(['chain.dot'])
  })

  it('a graph Graphviz cannot draw as SVG is an OutputError (exit 4), and no file', async () => {
    const cwd = await makeTempDir()
    const args = ['visualize', fixture('long-chain.ts'), '--no-group', '-o', 'chain.svg']
    const result = await runCli(args, { cwd })
    expect(result).toMatchObject({ code: 4, stdout: '' })
    const lines = result.stderr.trimEnd().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^taskgraph: error: OutputError: taskgraph visualize: /)
    await expect(readFile(join(cwd, 'chain.svg'))).rejects.toMatchObject({ code: 'ENOENT' })
  })
})
