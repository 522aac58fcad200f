import { hash as oneShotHash } from 'node:crypto'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { isBuiltin } from 'node:module'
import { dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import type { FileHashMemo, MemoizedFile } from './file-hash-memo.js'
import { importSpecifiers, type ImportSpecifier } from '@taskgraph/scheduler/wire'
import { resolveImport, type ImportTarget } from './resolve-import.js'

/** What one file is, read once. */
interface FileFacts {
  readonly source: string
  readonly hash: string
  readonly imports: readonly ImportTarget[]
  /** Its modification time once read (`mtimeMs`). */
  readonly modifiedMs: number
}

/** The file last changed among those a fingerprint reads. */
export interface Newest {
  readonly path: string
  readonly modifiedMs: number
}

/** What a module reaches: each project file (by path) with its line, and the rest as lines. */
interface Closure {
  readonly files: ReadonlyMap<string, string>
  readonly packages: ReadonlySet<string>
  /** Bare specifiers that name no installed package (see `ImportTarget`). */
  readonly unfollowable: readonly string[]
  /** The file of them all, project's or linked package's, changed last. */
  readonly newest: Newest | undefined
}

/** The files a linked package's fingerprint reads (but declaration files: see `isCode`). */
const SOURCE_EXTENSIONS = new Set([
  '.ts',
  '.tsx',
  '.mts',
  '.cts',
  '.js',
  '.jsx',
  '.mjs',
  '.cjs',
  '.json',
])

/**
 * Fingerprints of modules' code: a hash of a module's source, of the sources of the
 * project's modules it imports, transitively, and of the versions of the packages they
 * import. Editing a helper two imports away changes the fingerprint of every module
 * that reaches it, and of no other; so does adding a file an import could not find
 * before. Files are read once per instance: make one per run, so a run sees one version
 * of the code.
 */
export class SourceFingerprints {
  readonly #files = new Map<string, FileFacts>()
  readonly #linked = new Map<string, string>()
  readonly #linkedDirs = new Map<string, LinkedFiles>()
  readonly #linkedNewest = new Map<string, Newest | undefined>()
  readonly #fingerprints = new Map<string, string>()
  readonly #closures = new Map<string, Closure>()
  readonly #memo: FileHashMemo
  #memoChanged = false
  /** Every file read, the project's and linked packages'. */
  readonly #read = new Set<string>()

  readonly #now: () => number

  /**
   * `memo`: what earlier runs read of linked packages' files (see `FileHashMemo`); `now`,
   * the clock that tells how long ago a file changed (see `#linkedFile`).
   */
  constructor(memo: FileHashMemo = new Map(), now: () => number = Date.now) {
    this.#memo = memo
    this.#now = now
  }

  /** The memo of linked packages' files, if this instance added to it: to keep. */
  changedMemo(): FileHashMemo | undefined {
    return this.#memoChanged ? this.#memo : undefined
  }

  /** The fingerprint of the module at `path` (an absolute file path). */
  of(path: string): string {
    let fingerprint = this.#fingerprints.get(path)
    if (fingerprint === undefined) {
      const { files, packages } = this.#closure(path)
      fingerprint = hash([...files.values(), ...packages].sort().join('\n'))
      this.#fingerprints.set(path, fingerprint)
    }
    return fingerprint
  }

  /** The project's files the module at `path` reaches, itself first. */
  files(path: string): string[] {
    return [...this.#closure(path).files.keys()]
  }

  /** Imports the module at `path` reaches that cannot be followed (see `ImportTarget`). */
  unfollowable(path: string): readonly string[] {
    return this.#closure(path).unfollowable
  }

  /**
   * The file, among those the fingerprint of the module at `path` reads, modified after
   * `time` (ms since the epoch), if one was: the last one modified.
   */
  changedAfter(path: string, time: number): Newest | undefined {
    const newest = this.#closure(path).newest
    return newest !== undefined && newest.modifiedMs > time ? newest : undefined
  }

  /**
   * A file read here (for any fingerprint) whose status changed after `time` (ms since
   * the epoch), if one did: written since, however it is dated, or gone. One `stat` per
   * file.
   */
  changedSince(time: number): string | undefined {
    for (const path of this.#read) {
      const info = statSync(path, { throwIfNoEntry: false })
      if (info === undefined || info.ctimeMs > time) return path
    }
    return undefined
  }

  /** What the module at `path` reaches outside the project (packages, built-ins), sorted. */
  packages(path: string): string[] {
    return [...this.#closure(path).packages].sort()
  }

  /**
   * What the fingerprint of the module at `path` is made of: each file it reaches by its
   * path from the module's directory, with the hash of its source; and each package.
   */
  parts(path: string): { files: Record<string, string>; packages: string[] } {
    const base = dirname(path)
    const files: Record<string, string> = {}
    for (const file of this.files(path)) {
      files[portable(relative(base, file))] = this.#file(file).hash
    }
    return { files, packages: this.packages(path) }
  }

  /** The source of the project file at `path`, as fingerprinted. */
  source(path: string): string {
    return this.#file(path).source
  }

  #closure(root: string): Closure {
    let closure = this.#closures.get(root)
    if (closure === undefined) {
      closure = this.#walk(root)
      this.#closures.set(root, closure)
    }
    return closure
  }

  /**
   * Every file and package `root` reaches. Each file's line names it by its path from
   * `root`'s directory, so that a project moved elsewhere keeps its fingerprints.
   */
  #walk(root: string): Closure {
    const base = dirname(root)
    const files = new Map<string, string>()
    const packages = new Set<string>()
    const unfollowable: string[] = []
    let newest: Newest | undefined
    const pending = [root]
    files.set(root, '')
    while (pending.length > 0) {
      const path = pending.shift()!
      const facts = this.#file(path)
      files.set(path, `file ${portable(relative(base, path))} ${facts.hash}`)
      newest = newer(newest, { path, modifiedMs: facts.modifiedMs })
      for (const target of facts.imports) {
        switch (target.kind) {
          case 'file':
            if (!files.has(target.path)) {
              files.set(target.path, '')
              pending.push(target.path)
            }
            break
          case 'package':
            packages.add(`package ${target.name}@${target.version}`)
            break
          case 'linked':
            packages.add(`linked ${target.name} ${this.#linkedPackage(target.dir)}`)
            newest = newer(newest, this.#linkedNewest.get(target.dir))
            break
          case 'other':
            packages.add(`other ${target.specifier}`)
            break
          case 'unfollowable':
            packages.add(`other ${target.specifier}`)
            unfollowable.push(target.specifier)
        }
      }
    }
    return { files, packages, unfollowable, newest }
  }

  #file(path: string): FileFacts {
    let facts = this.#files.get(path)
    if (facts === undefined) {
      this.#read.add(path)
      const source = readFileSync(path, 'utf8')
      const sourceHash = hash(source)
      facts = {
        source,
        hash: sourceHash,
        // Taken after the read: a change meanwhile shows as one after what was read.
        modifiedMs: statSync(path).mtimeMs,
        // Resolved anew each time: a file added since may be what an import finds now.
        imports: scannedImports(path, source, sourceHash).flatMap(({ specifier, loads }) =>
          resolveImport(specifier, path).map((target) =>
            // Only an import that loads code can leave code out of the fingerprint: one
            // in a comment, a string or a type-only import counts by its text.
            target.kind === 'unfollowable' && !loads ? { kind: 'other', specifier } : target,
          ),
        ),
      }
      this.#files.set(path, facts)
    }
    return facts
  }

  /**
   * A hash of the source files of a linked package (see `publishedFiles`), of the linked
   * packages they import, transitively (a workspace package using another), and of the
   * versions of the installed packages they all import. Packages that import each other
   * count alike.
   */
  #linkedPackage(dir: string): string {
    let fingerprint = this.#linked.get(dir)
    if (fingerprint === undefined) {
      const lines: string[] = []
      const reached = new Set([dir])
      const pending = [dir]
      let newest: Newest | undefined
      while (pending.length > 0) {
        const at = pending.pop()!
        // Named by its path from the first: a project moved elsewhere keeps its keys.
        const where = portable(relative(dir, at))
        const { files, imports, newest: newestThere } = this.#linkedFiles(at)
        newest = newer(newest, newestThere)
        for (const line of files) lines.push(`${where}:${line}`)
        for (const target of imports) {
          if (target.kind !== 'linked') lines.push(packageLine(target))
          else if (!reached.has(target.dir)) {
            reached.add(target.dir)
            pending.push(target.dir)
          }
        }
      }
      fingerprint = hash(lines.sort().join('\n'))
      this.#linked.set(dir, fingerprint)
      this.#linkedNewest.set(dir, newest)
    }
    return fingerprint
  }

  /**
   * The files of the linked package in `dir`, each as its path and hash, and what the
   * bare specifiers its code imports name, resolved from its directory. Its files are
   * those it publishes and those they import by relative paths, transitively (a module
   * of `src/` importing `../data/table.ts`, which no entry point's directory holds).
   */
  #linkedFiles(dir: string): LinkedFiles {
    let found = this.#linkedDirs.get(dir)
    if (found === undefined) {
      const files: string[] = []
      const specifiers = new Set<string>()
      const pending = publishedFiles(dir)
      const reached = new Set(pending)
      let newest: Newest | undefined
      for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
        const [, modifiedMs, , , fileHash, packages, relatives] = this.#linkedFile(path)
        newest = newer(newest, { path, modifiedMs })
        files.push(`${portable(relativeTo(dir, path))} ${fileHash}`)
        for (const specifier of packages) specifiers.add(specifier)
        for (const specifier of relatives) {
          for (const target of resolveImport(specifier, path)) {
            if (target.kind !== 'file' || reached.has(target.path)) continue
            reached.add(target.path)
            pending.push(target.path)
          }
        }
      }
      files.sort()
      const from = join(dir, 'package.json')
      const imports = [...specifiers].flatMap((specifier) => resolveImport(specifier, from))
      found = { files, imports, newest }
      this.#linkedDirs.set(dir, found)
    }
    return found
  }

  /**
   * What a linked package's file holds (see `MemoizedFile`): from the memo while its size,
   * times and inode are those it had when it was read (stat first: a file changed
   * meanwhile is read again next time). The status change time catches what the
   * modification time alone would not: a file written with an old date (unpacked from a
   * tarball, copied with `cp -p`, dated back with `touch`), which sets the one and not
   * the other. A file changed less than `RACY_MS` before it is read is not kept: one
   * rewritten again with the same size within the same tick of the file system's clock
   * would look unchanged.
   */
  #linkedFile(path: string): MemoizedFile {
    this.#read.add(path)
    const info = statSync(path)
    const known = this.#memo.get(path)
    if (
      known !== undefined &&
      known[0] === info.size &&
      known[1] === info.mtimeMs &&
      known[2] === info.ctimeMs &&
      known[3] === info.ino
    ) {
      return known
    }
    const bytes = readFileSync(path)
    const { packages, files } = importsOf(path, bytes)
    const file = [
      info.size,
      info.mtimeMs,
      info.ctimeMs,
      info.ino,
      hash(bytes),
      packages,
      files,
    ] as const
    if (this.#now() - Math.max(info.mtimeMs, info.ctimeMs) >= RACY_MS) {
      this.#memo.set(path, file)
      this.#memoChanged = true
    } else if (this.#memo.delete(path)) {
      this.#memoChanged = true
    }
    return file
  }
}

/**
 * The import specifiers of the project files read in this process, by path, with the
 * hash of the source they were found in: a process that computes again and again reads
 * each file per run, but scans it (most of the time a fingerprint takes) once per
 * version of its source.
 */
const SCANNED = new Map<string, { readonly hash: string; readonly specifiers: ImportSpecifier[] }>()
/** Paths `SCANNED` holds at most: past them (a process reading many projects), it starts over. */
const SCANNED_PATHS = 10_000

/** `importSpecifiers(source)`, scanned once per path and version of its source. */
function scannedImports(path: string, source: string, sourceHash: string): ImportSpecifier[] {
  const known = SCANNED.get(path)
  if (known?.hash === sourceHash) return known.specifiers
  const specifiers = importSpecifiers(source)
  if (SCANNED.size >= SCANNED_PATHS) SCANNED.clear()
  SCANNED.set(path, { hash: sourceHash, specifiers })
  return specifiers
}

/**
 * How long after its last change a file's times are trusted to tell a later change: past
 * the coarsest timestamps of common file systems (FAT's 2 s).
 */
const RACY_MS = 3_000

/** What a linked package's files are, and what they import (see `#linkedFiles`). */
interface LinkedFiles {
  readonly files: readonly string[]
  readonly imports: readonly ImportTarget[]
  readonly newest: Newest | undefined
}

/** The later changed of `a` and `b`. */
function newer(a: Newest | undefined, b: Newest | undefined): Newest | undefined {
  return a === undefined || (b !== undefined && b.modifiedMs > a.modifiedMs) ? b : a
}

/** The line of a fingerprint that names `target`, which is not a file of the project. */
function packageLine(target: ImportTarget): string {
  switch (target.kind) {
    case 'package':
      return `package ${target.name}@${target.version}`
    case 'file':
      return `other ${target.path}`
    case 'linked':
      return `linked ${target.name}`
    default:
      return `other ${target.specifier}`
  }
}

/**
 * What code in `bytes` imports: bare specifiers (packages, not Node's modules), and
 * relative ones (files).
 */
function importsOf(path: string, bytes: Buffer): { packages: string[]; files: string[] } {
  const packages: string[] = []
  const files: string[] = []
  if (extname(path) === '.json') return { packages, files }
  for (const { specifier, loads } of importSpecifiers(bytes.toString('utf8'))) {
    if (!loads || isBuiltin(specifier)) continue
    if (/^[./]|^file:/.test(specifier)) files.push(specifier)
    else packages.push(specifier)
  }
  return { packages: packages.sort(), files: files.sort() }
}

/** The files of the package in `dir` that its code can be made of, sorted. */
function publishedFiles(dir: string): string[] {
  let manifest: Manifest = {}
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest
  } catch {
    // No list of files: every one counts.
  }
  const listed = manifest?.files
  const roots = Array.isArray(listed)
    ? [
        'package.json',
        ...listed.filter((entry): entry is string => typeof entry === 'string'),
        ...entryDirectories(dir, manifest),
      ]
    : ['.']
  const found = new Set<string>()
  for (const root of roots) {
    const path = join(dir, root)
    const info = statSync(path, { throwIfNoEntry: false })
    if (info?.isDirectory() === true) for (const file of sourceFiles(path)) found.add(file)
    else if (info?.isFile() === true) found.add(path)
  }
  return [...found].sort()
}

/** What `publishedFiles` reads of a package.json. */
interface Manifest {
  readonly files?: unknown
  readonly main?: unknown
  readonly module?: unknown
  readonly exports?: unknown
  readonly imports?: unknown
}

/**
 * The directories, from `dir`, of the modules a package's entry points name (`main`,
 * `module`, `exports`, `imports`): a workspace package run from its sources (`main:
 * "src/index.ts"`) lists only what it builds in `files`, yet loads from there, and its
 * entry module imports the files beside it.
 */
function entryDirectories(dir: string, manifest: Manifest): string[] {
  const targets: string[] = []
  // Targets of `exports` and `imports` start with `./` (one that does not names a package).
  const collect = (value: unknown): void => {
    if (typeof value === 'string') {
      if (value.startsWith('./')) targets.push(value)
    } else if (Array.isArray(value)) value.forEach(collect)
    else if (typeof value === 'object' && value !== null) Object.values(value).forEach(collect)
  }
  collect(manifest.exports)
  collect(manifest.imports)
  for (const main of [manifest.main, manifest.module])
    if (typeof main === 'string') targets.push(main)
  const directories = new Set<string>()
  for (const target of targets) {
    // `"./package.json": "./package.json"` counts already.
    if (target.endsWith('.json')) continue
    // A pattern (`./lib/*.js`) names files of the directory before its `*`.
    const path = resolve(dir, target.split('*')[0]!)
    const inside = relative(dir, path)
    if (inside.startsWith('..') || isAbsolute(inside)) continue
    const info = statSync(path, { throwIfNoEntry: false })
    directories.add(info?.isDirectory() === true ? inside || '.' : dirname(inside))
  }
  return [...directories]
}

/** The source files under `dir`, leaving out dependencies and hidden directories. */
function sourceFiles(dir: string): string[] {
  const found: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && !entry.name.startsWith('.')) {
        found.push(...sourceFiles(path))
      }
    } else if (entry.isFile() && isCode(entry.name)) found.push(path)
  }
  return found
}

/**
 * Whether a file of a linked package can hold code that runs: its sources and what they
 * build to, not their declaration files (`.d.ts`), which hold only types and are as
 * many as the built modules (half the files to read and hash).
 */
function isCode(name: string): boolean {
  return SOURCE_EXTENSIONS.has(extname(name)) && !/\.d\.[cm]?ts$/.test(name)
}

/** `path` from `dir`: a file found under `dir`, so mostly a cut (`relative` is slower). */
function relativeTo(dir: string, path: string): string {
  return path.startsWith(dir) && path[dir.length] === sep
    ? path.slice(dir.length + 1)
    : relative(dir, path)
}

function portable(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/')
}

function hash(data: string | Buffer): string {
  return oneShotHash('sha256', data, 'hex')
}
