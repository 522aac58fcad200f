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

// What an import of code can look like: npm's rule for a package name (a path inside the
// package may follow), or the usual aliases (`@/lib`, `~/lib`) and Node's subpath imports
// (`#lib`).
const PACKAGE_NAME =
  /^(?:(?:@[a-z0-9~-][a-z0-9._~-]*\/)?[a-z0-9~-][a-z0-9._~-]*|[@~#]\S*)(?:\/\S*)?$/

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
 * What `specifier`, imported by the file at `importer`, names: mostly one target, two
 * where the loader decides which file it is (see `fileTargets`).
 */
export function resolveImport(specifier: string, importer: string): ImportTarget[] {
  if (isBuiltin(specifier)) return [{ kind: 'other', specifier }]
  if (specifier.startsWith('file:')) return fileTargets(fileURLToPath(specifier), specifier)
  if (specifier.startsWith('.') || specifier.startsWith('/')) {
    return fileTargets(resolve(dirname(importer), specifier), specifier)
  }
  return [packageTarget(specifier, dirname(importer))]
}

/**
 * The files an import of `path` may load. `./helper.js` beside both `helper.js` (an old
 * build's output, say) and `helper.ts` is one or the other by the loader: tsx loads the
 * TypeScript, Node's type stripping the JavaScript. Both count, so that editing either
 * changes the key.
 */
function fileTargets(path: string, specifier: string): ImportTarget[] {
  if (isFile(path)) {
    const twins = sourcesOf(path).filter(isFile)
    return [path, ...twins].map((file) => ({ kind: 'file', path: file }))
  }
  const found = findFile(path)
  return [found === undefined ? { kind: 'other', specifier } : { kind: 'file', path: found }]
}

/** The TypeScript sources an import of `path` (`./helper.js`) may stand for. */
function sourcesOf(path: string): string[] {
  const extension = Object.keys(SOURCE_OF).find((name) => path.endsWith(name))
  if (extension === undefined) return []
  const stem = path.slice(0, -extension.length)
  return SOURCE_OF[extension]!.map((source) => stem + source)
}

/** The file an import of `path`, which is not a file, loads, if any. */
function findFile(path: string): string | undefined {
  for (const source of sourcesOf(path)) if (isFile(source)) return source
  for (const extension of EXTENSIONS) if (isFile(path + extension)) return path + extension
  for (const extension of EXTENSIONS) {
    const index = join(path, `index${extension}`)
    if (isFile(index)) return index
  }
  return undefined
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
      // What only looks like an import (a phrase in a comment) counts by its text.
      return PACKAGE_NAME.test(specifier)
        ? { kind: 'unfollowable', specifier }
        : { kind: 'other', specifier }
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
