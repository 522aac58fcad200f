import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { dirname, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { importSpecifiers } from './import-specifiers.js'
import { importedFiles } from './imported-files.js'

// What a cluster's worker and its driver compare of a task's module: its source, and
// that of every file of the project it imports by path, transitively. A worker keeps the
// code it imported first: a helper edited since would run as it was, while the driver,
// and a cache's key, have the new one.

const hashes = new Map<string, string | undefined>()

/**
 * A hash of the module at `url` and of the files it imports by path, transitively, each
 * named by its path from the module's directory (machines keep the project in different
 * places); packages are left out, installed alike on every machine. Taken once per
 * process: the code it has. `undefined` where a file cannot be read.
 */
export function codeHash(url: string): string | undefined {
  if (hashes.has(url)) return hashes.get(url)
  let hash: string | undefined
  if (url.startsWith('file:')) {
    try {
      hash = hashOfFiles(fileURLToPath(url))
    } catch {
      hash = undefined
    }
  }
  hashes.set(url, hash)
  return hash
}

function hashOfFiles(module: string): string {
  const base = dirname(module)
  const lines: string[] = []
  const reached = new Set([module])
  const pending = [module]
  for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
    const source = readFileSync(path)
    const name = relative(base, path).split(sep).join('/')
    lines.push(`${name} ${createHash('sha256').update(source).digest('base64url')}`)
    // Only imports that load code: one in a comment or a type-only one loads nothing.
    for (const { specifier, loads } of importSpecifiers(source.toString('utf8'))) {
      if (!loads) continue
      for (const file of importedFiles(specifier, path) ?? []) {
        if (reached.has(file) || file.split(sep).includes('node_modules')) continue
        reached.add(file)
        pending.push(file)
      }
    }
  }
  return createHash('sha256').update(lines.sort().join('\n')).digest('base64url')
}
