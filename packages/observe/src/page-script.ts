import { readFile } from 'node:fs/promises'

/**
 * The browser script `name` (a file of ./pages/), to inline in a page: pages taskgraph
 * makes carry all their code, so they open with no network. The build copies the
 * scripts as they are: nothing to take out for a classic `<script>`.
 */
export async function pageScript(name: string): Promise<string> {
  return readFile(new URL(`./pages/${name}`, import.meta.url), 'utf8')
}
