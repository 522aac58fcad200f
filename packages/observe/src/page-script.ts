import { readFile } from 'node:fs/promises'

/**
 * The browser script `name` (a file of ./pages/), to inline in a page: pages taskgraph
 * makes carry all their code, so they open with no network. The build's source-map
 * comment is left out, as a page has no map beside it.
 */
export async function pageScript(name: string): Promise<string> {
  const text = await readFile(new URL(`./pages/${name}`, import.meta.url), 'utf8')
  return text.replace(/^\/\/# sourceMappingURL=.*$/m, '')
}
