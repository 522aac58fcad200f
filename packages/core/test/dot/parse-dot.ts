// Reads the DOT that toDot writes back into nodes and edges, so tests check what a
// drawing holds (how many nodes, their labels and fills) rather than whole strings.

/** A node statement: its id and attributes, quotes removed. */
export interface DotNode {
  readonly id: string
  readonly attributes: Readonly<Record<string, string>>
}

/** An edge statement. */
export interface DotEdge {
  readonly from: string
  readonly to: string
  readonly attributes: Readonly<Record<string, string>>
}

export interface ParsedDot {
  /** Nodes outside the legend, in order. */
  readonly nodes: DotNode[]
  readonly edges: DotEdge[]
  /** The legend's label and entries, when there is one. */
  readonly legend?: { label: string; entries: DotNode[] }
}

const STRING = String.raw`"(?:[^"\\]|\\.)*"`
const NODE = new RegExp(String.raw`^\s*(${STRING}) \[(.*)\];$`)
const EDGE = new RegExp(String.raw`^\s*(${STRING}) -> (${STRING})(?: \[(.*)\])?;$`)
const ATTRIBUTE = new RegExp(String.raw`(\w+)=(${STRING}|[^,\s]+)`, 'g')

export function parseDot(dot: string): ParsedDot {
  const nodes: DotNode[] = []
  const edges: DotEdge[] = []
  let legend: { label: string; entries: DotNode[] } | undefined
  let inLegend = false
  for (const line of dot.split('\n')) {
    if (line.trim() === 'subgraph cluster_legend {') {
      inLegend = true
      legend = { label: '', entries: [] }
      continue
    }
    if (inLegend && line.trim() === '}') {
      inLegend = false
      continue
    }
    const graphLabel = /^\s*graph \[label=("(?:[^"\\]|\\.)*")/.exec(line)
    if (inLegend && graphLabel !== null) {
      legend!.label = unquote(graphLabel[1]!)
      continue
    }
    const edge = EDGE.exec(line)
    if (edge !== null) {
      edges.push({
        from: unquote(edge[1]!),
        to: unquote(edge[2]!),
        attributes: parseAttributes(edge[3] ?? ''),
      })
      continue
    }
    const node = NODE.exec(line)
    if (node !== null) {
      const parsed = { id: unquote(node[1]!), attributes: parseAttributes(node[2]!) }
      if (inLegend) legend!.entries.push(parsed)
      else nodes.push(parsed)
    }
  }
  return legend === undefined ? { nodes, edges } : { nodes, edges, legend }
}

/** The node with `id`; throws when there is none, so a test fails where it looks. */
export function nodeOf(dot: ParsedDot, id: string): DotNode {
  const node = dot.nodes.find((candidate) => candidate.id === id)
  if (node === undefined) throw new Error(`no node ${id} in the DOT`)
  return node
}

function parseAttributes(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [, name, value] of text.matchAll(ATTRIBUTE)) {
    out[name!] = value!.startsWith('"') ? unquote(value!) : value!
  }
  return out
}

function unquote(text: string): string {
  return text.slice(1, -1).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))
}
