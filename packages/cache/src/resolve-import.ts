import { existsSync, readFileSync, realpathSync } from 'node:fs'
import { isBuiltin } from 'node:module'
import { dirname, join, sep } from 'node:path'
import { importedFiles } from '@taskgraph/scheduler/wire'
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

/**
 * What `specifier`, imported by the file at `importer`, names: mostly one target, more
 * where the loader decides which file it is (see `importedFiles`).
 */
export function resolveImport(specifier: string, importer: string): ImportTarget[] {
  if (isBuiltin(specifier)) return [{ kind: 'other', specifier }]
  if (specifier.startsWith('#')) {
    const mapped = subpathImport(specifier, importer)
    if (mapped !== undefined) return mapped
  }
  const files = importedFiles(specifier, importer)
  if (files === undefined) return [packageTarget(specifier, dirname(importer))]
  if (files.length === 0) return [{ kind: 'other', specifier }]
  return files.map((path) => ({ kind: 'file', path }))
}

/**
 * What a subpath import (`#lib/x`) names: the targets that the `imports` of the
 * importer's package (its nearest package.json, as Node reads it) map it to, exactly or
 * by a pattern (`#lib/*`). Every condition's target counts (`node`, `import`, `require`,
 * `default`...), as the loader picks one. `undefined` when none maps it: it is then a
 * specifier nothing follows.
 */
function subpathImport(specifier: string, importer: string): ImportTarget[] | undefined {
  const scope = packageScope(dirname(importer))
  if (scope === undefined) return undefined
  const match = matchImport(scope.imports, specifier)
  if (match === undefined) return undefined
  const targets = targetsOf(match.target).map((target) => target.replaceAll('*', match.rest))
  if (targets.length === 0) return undefined
  return targets.flatMap((target): ImportTarget[] => {
    // A file of the package (`./src/x.js`), or an installed package (`lodash/fp`); a
    // target that is neither is no import Node would make.
    if (target.startsWith('./')) return resolveImport(join(scope.dir, target), importer)
    if (target.startsWith('#') || target.startsWith('.') || target.startsWith('/')) return []
    return resolveImport(target, join(scope.dir, 'package.json'))
  })
}

/** The nearest package.json at or above `from`, with its `imports`, if it has them. */
function packageScope(from: string): { dir: string; imports: Record<string, unknown> } | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json')
    if (existsSync(manifest)) {
      try {
        const { imports } = JSON.parse(readFileSync(manifest, 'utf8')) as { imports?: unknown }
        return typeof imports === 'object' && imports !== null && !Array.isArray(imports)
          ? { dir, imports: imports as Record<string, unknown> }
          : undefined
      } catch {
        return undefined
      }
    }
    if (dirname(dir) === dir) return undefined
  }
}

/**
 * The entry of `imports` that maps `specifier`: its own key, else the pattern (one `*`)
 * with the longest part before the `*` that matches, with what the `*` stands for.
 */
function matchImport(
  imports: Record<string, unknown>,
  specifier: string,
): { target: unknown; rest: string } | undefined {
  if (Object.hasOwn(imports, specifier) && !specifier.includes('*')) {
    return { target: imports[specifier], rest: '' }
  }
  let best: { target: unknown; rest: string; prefix: number } | undefined
  for (const [key, target] of Object.entries(imports)) {
    const star = key.indexOf('*')
    if (star === -1 || key.indexOf('*', star + 1) !== -1) continue
    const [prefix, suffix] = [key.slice(0, star), key.slice(star + 1)]
    if (specifier.length < key.length || !specifier.startsWith(prefix)) continue
    if (!specifier.endsWith(suffix)) continue
    if (best !== undefined && best.prefix >= prefix.length) continue
    best = {
      target,
      rest: specifier.slice(prefix.length, specifier.length - suffix.length),
      prefix: prefix.length,
    }
  }
  return best
}

/** The targets of an `imports` entry: a string, or those of each condition or fallback. */
function targetsOf(target: unknown): string[] {
  if (typeof target === 'string') return [target]
  if (Array.isArray(target)) return target.flatMap(targetsOf)
  if (typeof target === 'object' && target !== null) return Object.values(target).flatMap(targetsOf)
  return []
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
