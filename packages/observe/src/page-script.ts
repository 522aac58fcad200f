import { readFile } from 'node:fs/promises'

/**
 * The browser script `name` (a file of ./pages/), to inline in a page: pages taskgraph
 * makes carry all their code, so they open with no network. What the build adds is left
 * out: the `export {}` that marks the file an ES module in a `"type": "module"` package
 * (a classic `<script>` cannot hold it), and the source-map comment, as a page has no
 * map beside it.
 */
export async function pageScript(name: string): Promise<string> {
  const text = await readFile(new URL(`./pages/${name}`, import.meta.url), 'utf8')
  return text.replace(/^export \{\};?$/m, '').replace(/^\/\/# sourceMappingURL=.*$/m, '')
}
