import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs'
import { isBuiltin } from 'node:module'
import { dirname, join, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { TASKGRAPH_VERSION } from './taskgraph-version.js'

/** What a specifier names, as far as a cache key is concerned. */
export type ImportTarget =
  /** A file of the project, whose source counts. */
  | { readonly kind: 'file'; readonly path: string }
  /** A package installed in node_modules: its version counts (its files are not read). */
  | { readonly kind: 'package'; readonly name: string; readonly version: string }
  /**
   * A package linked into node_modules from elsewhere (a workspace package of a
   * monorepo): its version does not change when its code does, so its files count.
   */
  | { readonly kind: 'linked'; readonly name: string; readonly dir: string }
  /** Node's own modules, and files not there (yet): they count by their specifier. */
  | { readonly kind: 'other'; readonly specifier: string }
  /**
   * A bare specifier that names no installed package (a path alias of a bundler or of
   * tsconfig's `paths`, say): what it stands for cannot be read, so nothing that imports
   * it can be keyed.
   */
  | { readonly kind: 'unfollowable'; readonly specifier: string }

// A specifier that is a URL: `data:`, `https:` (`node:` and `file:` are told first).
const URL_SCHEME = /^[a-z][a-z\d+.-]*:/i

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
 * What `specifier`, imported by the file at `importer`, names: mostly one target, more
 * where the loader decides which file it is (see `fileTargets`).
 */
export function resolveImport(specifier: string, importer: string): ImportTarget[] {
  if (isBuiltin(specifier)) return [{ kind: 'other', specifier }]
  if (specifier.startsWith('file:')) {
    return fileTargets(specifier, (path) => fileURLToPath(path))
  }
  if (specifier.startsWith('.') || specifier.startsWith('/')) {
    return fileTargets(specifier, (path) => resolve(dirname(importer), path))
  }
  return [packageTarget(specifier, dirname(importer))]
}

/**
 * The files an import may load, `toPath` making a path of its specifier. The loader
 * decides between some, so each counts, and editing any changes the key:
 * - `./helper.js` beside both `helper.js` (an old build's output, say) and `helper.ts`
 *   is one or the other: tsx loads the TypeScript, Node's type stripping the JavaScript;
 * - `./helper` beside `helper.ts` and `helper.js`: tsx takes the first, `require` the
 *   second;
 * - `./q.js?v=1` loads `q.js` as an ES module's import (a URL: its query, or a
 *   fragment, is no part of the path), and a file of that very name through `require`.
 * Each file counts by its real path, where Node loads it from: a module reached through
 * a link imports what lies beside the file it links to.
 */
function fileTargets(specifier: string, toPath: (specifier: string) => string): ImportTarget[] {
  const found = new Set<string>()
  const bare = specifier.replace(/[?#].*$/s, '')
  for (const written of bare === specifier ? [specifier] : [specifier, bare]) {
    const path = toPath(written)
    const files = isFile(path) ? [path, ...sourcesOf(path).filter(isFile)] : findFiles(path)
    for (const file of files) found.add(realpathSync(file))
  }
  if (found.size === 0) return [{ kind: 'other', specifier }]
  return [...found].map((path) => ({ kind: 'file', path }))
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

/**
 * The package a bare specifier names, with its version from the package.json found the
 * way Node finds it (node_modules/NAME in `from` or a directory above it).
 */
function packageTarget(specifier: string, from: string): ImportTarget {
  const parts = specifier.split('/')
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!
  for (let dir = from; ; dir = dirname(dir)) {
    const installed = join(dir, 'node_modules', name)
    const manifest = join(installed, 'package.json')
    if (existsSync(manifest)) {
      const real = realpathSync(installed)
      const version = readVersion(manifest)
      if (!real.split(sep).includes('node_modules') && !isTaskgraph(name, version)) {
        return { kind: 'linked', name, dir: real }
      }
      if (version !== undefined) return { kind: 'package', name, version }
    }
    if (dirname(dir) === dir) {
      // Not installed: the CLI imports its own copy (a workflow outside any project).
      if (isTaskgraphName(name)) return { kind: 'package', name, version: TASKGRAPH_VERSION }
      // A URL (`data:`) holds its code in its text, which counts. Any other name is
      // one only a bundler or tsconfig's `paths` can follow (`$lib/x`, `Lib/x`), or a
      // phrase that only looks like an import (in a comment), which its importer counts
      // by its text (see `SourceFingerprints`).
      return URL_SCHEME.test(specifier)
        ? { kind: 'other', specifier }
        : { kind: 'unfollowable', specifier }
    }
  }
}

/**
 * Whether the package is taskgraph itself, at the version running: it counts by its
 * version even when linked (as in taskgraph's own repository), since every key holds
 * that version already, as it does for taskgraph's own tasks (a gather, a bag's steps).
 * Reading its files would cost a fresh run a few milliseconds to learn nothing more.
 */
function isTaskgraph(name: string, version: string | undefined): boolean {
  return version === TASKGRAPH_VERSION && isTaskgraphName(name)
}

function isTaskgraphName(name: string): boolean {
  return name === 'taskgraph' || name.startsWith('@taskgraph/')
}

function readVersion(manifest: string): string | undefined {
  try {
    const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version?: unknown }
    return typeof version === 'string' ? version : undefined
  } catch {
    return undefined
  }
}
