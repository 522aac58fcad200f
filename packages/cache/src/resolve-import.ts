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
  const files = importedFiles(specifier, importer)
  if (files === undefined) return [packageTarget(specifier, dirname(importer))]
  if (files.length === 0) return [{ kind: 'other', specifier }]
  return files.map((path) => ({ kind: 'file', path }))
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
