// Reads the node statements of the DOT that `taskgraph visualize` prints, with their
// attributes, so tests check fills and labels rather than whole texts.

const STRING = String.raw`"(?:[^"\\]|\\.)*"`
const NODE = new RegExp(String.raw`^\s*(${STRING}) \[(.*)\];$`)
const ATTRIBUTE = new RegExp(String.raw`(\w+)=(${STRING}|[^,\s]+)`, 'g')

/** Each node's attributes, by id (quotes removed), in order; legend entries included. */
export function dotNodes(dot: string): Map<string, Record<string, string>> {
  const nodes = new Map<string, Record<string, string>>()
  for (const line of dot.split('\n')) {
    const node = NODE.exec(line)
    if (node === null) continue
    const attributes: Record<string, string> = {}
    for (const [, name, value] of node[2]!.matchAll(ATTRIBUTE)) {
      attributes[name!] = value!.startsWith('"') ? unquote(value!) : value!
    }
    nodes.set(unquote(node[1]!), attributes)
  }
  return nodes
}

function unquote(text: string): string {
  return text.slice(1, -1).replace(/\\(.)/g, '$1')
}
