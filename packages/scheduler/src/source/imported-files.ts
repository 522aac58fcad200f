import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

// The files a module's import of a path (`./helper.js`, `../lib`, `file:///…`) may load,
// found as Node and tsx find them: what a cache key follows of a module's own project
// (@taskgraph/cache), and what a cluster's workers compare with their driver's.

/**
 * The real paths of the files that `specifier`, imported by the file at `importer`, may
 * load (none if there is none yet); `undefined` for a specifier that names no path (a
 * package, one of Node's own modules, a URL of another scheme).
 */
export function importedFiles(specifier: string, importer: string): string[] | undefined {
  if (specifier.startsWith('file:')) return filesOf(specifier, (path) => fileURLToPath(path))
  if (specifier.startsWith('.') || specifier.startsWith('/')) {
    return filesOf(specifier, (path) => resolve(dirname(importer), path))
  }
  return undefined
}

// What TypeScript and Node try, in this order, for a specifier without its extension.
const EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs', '.json']
// A TypeScript project imports './helper.js' for the file './helper.ts'.
const SOURCE_OF: Record<string, readonly string[]> = {
  '.js': ['.ts', '.tsx'],
  '.jsx': ['.tsx'],
  '.mjs': ['.mts'],
  '.cjs': ['.cts'],
}

/**
 * The files an import may load, `toPath` making a path of its specifier. The loader
 * decides between some, so each counts (editing any changes a cache key):
 * - `./helper.js` beside both `helper.js` (an old build's output, say) and `helper.ts`
 *   is one or the other: tsx loads the TypeScript, Node's type stripping the JavaScript;
 * - `./helper` beside `helper.ts` and `helper.js`: tsx takes the first, `require` the
 *   second;
 * - `./q.js?v=1` loads `q.js` as an ES module's import (a URL: its query, or a
 *   fragment, is no part of the path), and a file of that very name through `require`;
 * - `./my%20data.js` loads `my data.js` as an ES module's import (a URL's escapes are
 *   undone), and a file of that very name through `require`.
 * Each file counts by its real path, where Node loads it from: a module reached through
 * a link imports what lies beside the file it links to.
 */
function filesOf(specifier: string, toPath: (specifier: string) => string): string[] {
  const found = new Set<string>()
  const bare = specifier.replace(/[?#].*$/s, '')
  for (const written of new Set([specifier, bare, unescaped(bare)])) {
    const path = toPath(written)
    const files = isFile(path) ? [path, ...sourcesOf(path).filter(isFile)] : findFiles(path)
    for (const file of files) found.add(realpathSync(file))
  }
  return [...found]
}

/** A relative URL's path with its escapes (`%20`) undone; as it is if they cannot be. */
function unescaped(path: string): string {
  if (!path.includes('%') || path.startsWith('file:')) return path
  try {
    return decodeURIComponent(path)
  } catch {
    return path
  }
}

/** The TypeScript sources an import of `path` (`./helper.js`) may stand for. */
function sourcesOf(path: string): string[] {
  const extension = Object.keys(SOURCE_OF).find((name) => path.endsWith(name))
  if (extension === undefined) return []
  const stem = path.slice(0, -extension.length)
  return SOURCE_OF[extension]!.map((source) => stem + source)
}

/**
 * The files an import of `path`, which is not a file, may load: its TypeScript source,
 * the file with each extension, a directory's `main` (as `require` finds it) and its
 * index. Every one there counts: which the loader takes depends on the loader.
 */
function findFiles(path: string, followMain = true): string[] {
  const found = sourcesOf(path).filter(isFile)
  for (const extension of EXTENSIONS) if (isFile(path + extension)) found.push(path + extension)
  if (!isDirectory(path)) return found
  const main = followMain ? mainOf(path) : undefined
  if (main !== undefined) {
    // Once: a main naming its own directory (`"."`), or one whose main names it back,
    // would be followed for ever.
    const target = resolve(path, main)
    found.push(...(isFile(target) ? [target] : findFiles(target, false)))
  }
  for (const extension of EXTENSIONS) {
    const index = join(path, `index${extension}`)
    if (isFile(index)) found.push(index)
  }
  return found
}

/** The `main` of the package.json in directory `dir`, if it names one. */
function mainOf(dir: string): string | undefined {
  try {
    const { main } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      main?: unknown
    }
    return typeof main === 'string' && main !== '' ? main : undefined
  } catch {
    return undefined
  }
}

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() === true
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile()
}
